package main

import (
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
)

// printTable prints the targets and one line per row.
func printTable(out io.Writer, c config, rows []loadRow) {
	fmt.Fprintf(out, "targets at %d connections: >= %.0f%% of ideal, p99 <= %.1fx; %d dashboards take <= %.0f%% of the throughput\n",
		c.conns, 100*targetShare, targetP99, c.dashboards, 100*targetDashboardCost)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tconnections\treq/s\tof ideal\tp50\tp99\terrors\tCPU/request\tevents/s per dashboard\t")
	for _, row := range rows {
		share, p50, p99 := loadFigures(row.conns, row.r)
		events := ""
		if row.dashboards > 0 {
			events = fmt.Sprintf("%.1f", row.events)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.1f%%\t%.2fx\t%.2fx\t%d\t%v\t%s\t\n", row.name, row.conns, row.r.rate(), 100*share, p50, p99,
			row.r.errors, row.r.cpuPerRequest(), events)
	}
	_ = tw.Flush()
	fmt.Fprintln(out, "(CPU/request: client and server together, the process's CPU time over the requests)")
}

// printMachine prints the zero-latency run and what the machine was doing.
func printMachine(out io.Writer, c config, zero loadResult, from, to cpustat.Machine, ok bool) {
	fmt.Fprintf(out, "zero latency: %.0f req/s over %v (%d connections), p99 %v, errors %d\n",
		zero.rate(), c.zeroWindow, c.conns, zero.percentile(99).Round(time.Microsecond), zero.errors)
	steal := "unknown"
	if d := to.Sub(from); ok && d.Total > 0 {
		steal = fmt.Sprintf("%.1f%%", 100*float64(d.Steal)/float64(d.Total))
	}
	fmt.Fprintf(out, "machine: %d CPUs, load average %s, CPU stolen by the host during the runs %s (client and servers share the CPUs)\n",
		runtime.NumCPU(), cpustat.LoadAverage(), steal)
}

// printVerdicts prints the dashboards' cost and the 1000-connection verdict.
func printVerdicts(out io.Writer, c config, rows []loadRow) {
	plain, watched, events := mainRows(c, rows)
	if c.dashboards > 0 {
		fmt.Fprintln(out, "dashboards:", dashboardVerdict(c.dashboards, plain.rate(), watched.rate(), events))
		fmt.Fprintf(out, "dashboards: CPU per request %v with, %v without (client and server together)\n",
			watched.cpuPerRequest(), plain.cpuPerRequest())
	}
	share, _, p99 := loadFigures(c.conns, plain)
	bareShare, _, bareP99 := loadFigures(c.conns, rows[len(rows)-1].r)
	fmt.Fprintln(out, "verdict:", loadVerdict(c.conns, share, p99, bareShare, bareP99))
}

// loadVerdict reads the main rows: whether the mock server met the targets
// and, if not, whether the bare control (the same sleep with nothing else)
// met them on this machine, i.e. whether the server or the machine is what
// stands in the way.
func loadVerdict(conns int, share, p99, bareShare, bareP99 float64) string {
	meets := func(share, p99 float64) bool { return share >= targetShare && p99 <= targetP99 }
	switch {
	case meets(share, p99):
		return fmt.Sprintf("targets met (%.1f%% of ideal, p99 %.2fx)", 100*share, p99)
	case meets(bareShare, bareP99):
		return fmt.Sprintf("targets missed (%.1f%%, p99 %.2fx) while the bare control met them (%.1f%%, p99 %.2fx): the mock server's own work stands in the way",
			100*share, p99, 100*bareShare, bareP99)
	default:
		return fmt.Sprintf("targets missed (%.1f%%, p99 %.2fx), and by the bare control too (%.1f%%, p99 %.2fx): in this run on this machine, not even a server that only sleeps met them at %d connections",
			100*share, p99, 100*bareShare, bareP99, conns)
	}
}

// dashboardVerdict compares the throughput with and without the dashboards.
func dashboardVerdict(n int, without, with, events float64) string {
	cost := 1 - with/without
	verdict := "within"
	if cost > targetDashboardCost {
		verdict = "over"
	}
	return fmt.Sprintf("%d open dashboards took %.1f%% of the throughput (%.0f req/s with, %.0f without; each got %.1f events/s): %s the %.0f%% target",
		n, 100*cost, with, without, events, verdict, 100*targetDashboardCost)
}

// loadFigures returns a run's share of the ideal throughput for conns
// connections and its p50 and p99 as multiples of the modelled latency.
func loadFigures(conns int, r loadResult) (share, p50, p99 float64) {
	ideal := float64(conns) / loadLatency.Seconds()
	share = r.rate() / ideal
	p50 = float64(r.percentile(50)) / float64(loadLatency)
	p99 = float64(r.percentile(99)) / float64(loadLatency)
	return share, p50, p99
}
