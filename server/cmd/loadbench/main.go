// Command loadbench measures the mock server under load: its 50 ms list
// endpoint driven by 1000 keep-alive connections on loopback, what 50 open
// dashboards cost that run, and controls that show what the machine allows.
//
//	go run ./server/cmd/loadbench              # about 100 s; make bench runs it
//	go run ./server/cmd/loadbench -h           # the flags
//
// It prints one table; rates are shares of each row's best possible rate
// (connections / 50 ms), latencies multiples of 50 ms. Rows:
//
//   - mock server at 1000 connections, without and with 50 dashboards (50
//     GET /stats/stream clients reading every event), twice in the order
//     A B B A so that a drift of the machine falls on both; the cost of the
//     dashboards is 1 - rate with / rate without (target: at most 5%), and
//     the CPU per request of both is printed beside it;
//   - mock server at 100 connections, and with 10 (no load: what the machine
//     alone adds to a 50 ms request);
//   - a bare fasthttp server whose only handler sleeps 50 ms and writes the
//     same bytes at 1000 connections: close to the least a Go server can do,
//     so it shows what the machine allows;
//   - the mock server with no modelled latency (CPU-bound throughput);
//   - the CPU the host stole during the runs (/proc/stat).
//
// It ends with two verdicts: the 1000-connection targets (met; missed while
// the bare control met them; or missed by the control too), and the cost of
// the dashboards against its target. Ctrl+C stops it at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// Shape of the measurement; the flags default to these.
const (
	loadConns       = 1000                // concurrent connections, each with one request at a time
	smallConns      = 100                 // a lighter run, for comparison
	idleConns       = 10                  // no load to speak of: what the machine alone adds
	dashboards      = 50                  // open GET /stats/stream clients in the dashboard rows
	dashboardPairs  = 2                   // rounds of A B B A (without, with, with, without)
	loadWarmup      = 2 * time.Second     // connecting and settling, not measured
	loadDuration    = 5 * time.Second     // measured window per row
	zeroDuration    = 3 * time.Second     // measured window at latency scale 0
	loadPath        = "/videos?n=100"     // the fixed-latency list endpoint
	loadLatency     = endpoints.ListDelay // its latency at scale 1
	loadTimeout     = 10 * time.Second    // per request
	shutdownTimeout = 10 * time.Second
)

// Targets.
const (
	targetShare         = 0.90 // of the ideal throughput at 1000 connections
	targetP99           = 1.2  // times the modelled latency
	targetDashboardCost = 0.05 // share of the 1000-connection throughput that 50 dashboards may take
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadbench:", err)
		}
		os.Exit(1)
	}
}

// run parses args, starts the servers, measures every row and prints the
// report to out. It returns ctx's error as soon as ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parse(args, out)
	if err != nil {
		return err
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	s, err := startServers()
	if err != nil {
		return err
	}
	defer s.stop()
	fmt.Fprintf(out, "load: GET %s (%v at scale 1), keep-alive connections on loopback, %v measured per row after %v of warm-up\n",
		loadPath, loadLatency, c.window, c.warmup)
	statFrom, statOK := cpustat.ReadMachine()
	rows := plan(c, s)
	if err := measure(ctx, c, rows); err != nil {
		return err
	}
	zero, err := drive(ctx, s.zero, c.conns, c.warmup, c.zeroWindow)
	if err != nil {
		return err
	}
	statTo, _ := cpustat.ReadMachine()
	printTable(out, c, rows)
	printMachine(out, c, zero, statFrom, statTo, statOK)
	printVerdicts(out, c, rows)
	return nil
}
