package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
	"github.com/go-async-workshop/workshop/internal/percentile"
)

// Slowest is how many of the slowest cells the report names.
const Slowest = 8

// errNoMachine: the benchmark reads the machine's CPU counters from Linux's
// /proc/stat.
var errNoMachine = errors.New("cellbench reads the machine's CPU counters from /proc/stat: it runs on Linux only")

// machineStart is the machine's state when the runs started.
type machineStart struct {
	cpu   cpustat.Machine
	cores int
	load  string
	at    time.Time
	ours  time.Duration // this benchmark's CPU (with Jupyter and its kernels)
}

// startMachine records the machine's state before the runs.
func (b *bench) startMachine() error {
	cpu, ok := cpustat.ReadMachine()
	if !ok {
		return errNoMachine
	}
	all, err := processes()
	if err != nil {
		return err
	}
	ours, _ := treeCPU(all, b.self, "")
	b.machine = machineStart{cpu: cpu, cores: runtime.NumCPU(), load: cpustat.LoadAverage(), at: time.Now(), ours: ours}
	return nil
}

// figures summarize a set of cells.
type figures struct {
	Cells    int
	P50, P95 time.Duration // latency
	// AddedP50 and AddedP95 are percentiles of the latency without the
	// cell's program's run: what GoNB adds to a cell.
	AddedP50, AddedP95  time.Duration
	CPU, Gopls, Program time.Duration // per cell, mean
}

// overhead is the CPU per cell that running cells costs beyond the cells'
// own programs: GoNB, its builds and gopls.
func (f figures) overhead() time.Duration { return f.CPU - f.Program }

// summarize computes the figures of cells.
func summarize(cells []cellResult) figures {
	f := figures{Cells: len(cells)}
	if len(cells) == 0 {
		return f
	}
	lat := make([]time.Duration, len(cells))
	added := make([]time.Duration, len(cells))
	var cpu, gopls, program time.Duration
	for i, c := range cells {
		lat[i] = c.Latency
		added[i] = c.Latency - c.ProgramWall
		cpu += c.CPU
		gopls += c.Gopls
		program += c.Program
	}
	n := time.Duration(len(cells))
	f.P50, f.P95 = percentile.Of(lat, 50), percentile.Of(lat, 95)
	f.AddedP50, f.AddedP95 = percentile.Of(added, 50), percentile.Of(added, 95)
	f.CPU, f.Gopls, f.Program = cpu/n, gopls/n, program/n
	return f
}

// median returns the median of ds (the lower middle for an even count).
func median(ds []time.Duration) time.Duration { return percentile.Of(ds, 50) }

// report is what the benchmark prints.
type report struct {
	Configs   []string                      // in the order measured
	Notebooks []string                      // in the order run
	Figures   map[string]map[string]figures // config -> notebook ("" = all) -> figures
	Startup   map[string]startup            // config -> medians over notebooks
	Slow      []slowCell
	Problems  []string
	Machine   machineFigures
}

// slowCell is one of the slowest cells of the last configuration, with the
// same cell's latency in the first.
type slowCell struct {
	Notebook, FirstLine string
	Index               int
	Latency, Control    time.Duration
	Program             time.Duration // how long the cell's program ran
}

// machineFigures say how busy the machine was during the runs.
type machineFigures struct {
	Cores            int
	LoadStart        string
	LoadEnd          string
	Wall             time.Duration
	Busy, Ours, Rest float64 // shares of all the cores' time
}

// report computes the figures of every configuration.
func (b *bench) report() (report, error) {
	r := report{Figures: map[string]map[string]figures{}, Startup: map[string]startup{}}
	for _, c := range configs {
		r.Configs = append(r.Configs, c.Name)
	}
	for _, k := range b.order {
		if !slices.Contains(r.Notebooks, k.Notebook) {
			r.Notebooks = append(r.Notebooks, k.Notebook)
		}
	}
	for _, name := range r.Configs {
		cells := b.results[name]
		r.Figures[name] = map[string]figures{"": summarize(cells)}
		for _, nb := range r.Notebooks {
			r.Figures[name][nb] = summarize(slices.DeleteFunc(slices.Clone(cells), func(c cellResult) bool { return c.Notebook != nb }))
		}
		for _, c := range cells {
			if c.Problem != "" {
				r.Problems = append(r.Problems, fmt.Sprintf("%s: %s cell %d (%q): %s", name, c.Notebook, c.Index, c.FirstLine, c.Problem))
			}
		}
		var kernel, link, cell, first, cpu []time.Duration
		for _, s := range b.starts[name] {
			kernel, link, cell = append(kernel, s.Kernel), append(link, s.Link), append(cell, s.FirstCell)
			first, cpu = append(first, s.FirstOutput), append(cpu, s.CPU)
		}
		r.Startup[name] = startup{Kernel: median(kernel), Link: median(link), FirstCell: median(cell), FirstOutput: median(first), CPU: median(cpu)}
	}
	r.Slow = slowest(b.results[r.Configs[0]], b.results[r.Configs[len(r.Configs)-1]], Slowest)

	cpu, ok := cpustat.ReadMachine()
	if !ok {
		return r, errNoMachine
	}
	all, err := processes()
	if err != nil {
		return r, err
	}
	ours, _ := treeCPU(all, b.self, "")
	m := b.machine
	r.Machine = machineFigures{Cores: m.cores, LoadStart: m.load, LoadEnd: cpustat.LoadAverage(), Wall: time.Since(m.at)}
	if d := cpu.Sub(m.cpu); d.Total > 0 {
		r.Machine.Busy = d.BusyShare()
		r.Machine.Ours = float64(ours-m.ours) / float64(time.Duration(d.Total)*cpustat.ClockTick)
		r.Machine.Rest = max(r.Machine.Busy-r.Machine.Ours, 0)
	}
	return r, nil
}

// slowest returns the n slowest cells of after, each with its latency in
// control.
func slowest(control, after []cellResult, n int) []slowCell {
	before := map[cellKey]time.Duration{}
	for _, c := range control {
		before[cellKey{c.Notebook, c.Index}] = c.Latency
	}
	var s []slowCell
	for _, c := range after {
		s = append(s, slowCell{Notebook: c.Notebook, FirstLine: c.FirstLine, Index: c.Index, Latency: c.Latency,
			Control: before[cellKey{c.Notebook, c.Index}], Program: c.ProgramWall})
	}
	slices.SortStableFunc(s, func(a, b slowCell) int { return cmp.Compare(b.Latency, a.Latency) })
	return s[:min(n, len(s))]
}

// seconds formats a duration as seconds with two decimals.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// ratio formats a/b, or "-" when b is 0.
func ratio(a, b time.Duration) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

// write prints the report.
func (r report) write(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "\nmachine: %d cores, load average %s at the start and %s at the end; over the %.0f s of the runs the cores were %.0f%% busy: %.0f%% this benchmark (Jupyter, kernels, builds, mock servers), %.0f%% other programs\n",
		m.Cores, m.LoadStart, m.LoadEnd, m.Wall.Seconds(), 100*m.Busy, 100*m.Ours, 100*m.Rest)
	for _, name := range r.Configs {
		fmt.Fprintf(w, "\n%s: per-cell latency (request to the kernel idle; and without the time the cell's program ran: what GoNB adds)\n", name)
		fmt.Fprintf(w, "and CPU per cell (the kernel and all it started: gopls, the cell's program, and the rest: GoNB, goimports, the build)\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "notebook\tcells\tp50\tp95\tadded p50\tadded p95\tCPU/cell\tgopls\tprogram\tthe rest\t")
		for _, nb := range append(slices.Clone(r.Notebooks), "") {
			f := r.Figures[name][nb]
			label := nb
			if nb == "" {
				label = "all notebooks"
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", label, f.Cells, seconds(f.P50), seconds(f.P95),
				seconds(f.AddedP50), seconds(f.AddedP95), seconds(f.CPU), seconds(f.Gopls), seconds(f.Program), seconds(f.overhead()-f.Gopls))
		}
		tw.Flush()
	}
	if len(r.Configs) >= 2 {
		a, b := r.Configs[len(r.Configs)-1], r.Configs[0]
		fmt.Fprintf(w, "\n%s / %s, measured side by side:\n", a, b)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "notebook\tp50\tp95\tadded p50\tadded p95\tCPU/cell\tCPU/cell but the program\t")
		for _, nb := range append(slices.Clone(r.Notebooks), "") {
			fa, fb := r.Figures[a][nb], r.Figures[b][nb]
			label := nb
			if nb == "" {
				label = "all notebooks"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", label, ratio(fa.P50, fb.P50), ratio(fa.P95, fb.P95),
				ratio(fa.AddedP50, fb.AddedP50), ratio(fa.AddedP95, fb.AddedP95), ratio(fa.CPU, fb.CPU), ratio(fa.overhead(), fb.overhead()))
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nfirst output: asking for a kernel to the notebook's first output, its cells run back to back (median over notebooks)\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "configuration\tkernel start\tlink cell\tfirst cell to its output\tfirst output\tkernel CPU at start\t")
	for _, name := range r.Configs {
		s := r.Startup[name]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", name, seconds(s.Kernel), seconds(s.Link), seconds(s.FirstCell), seconds(s.FirstOutput), seconds(s.CPU))
	}
	tw.Flush()
	if len(r.Slow) > 0 {
		fmt.Fprintf(w, "\nslowest cells (%s): latency, of which the cell's program ran, and the same cell's latency in %s\n", r.Configs[len(r.Configs)-1], r.Configs[0])
		for _, c := range r.Slow {
			fmt.Fprintf(w, "  %s cell %d  %s  (program %s; %s %s)  %.60q\n", c.Notebook, c.Index, seconds(c.Latency), seconds(c.Program), r.Configs[0], seconds(c.Control), c.FirstLine)
		}
	}
	if len(r.Problems) > 0 {
		fmt.Fprintf(w, "\ncells that did not run as the notebooks expect:\n  %s\n", strings.Join(r.Problems, "\n  "))
	}
}
