package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/go-async-workshop/workshop/server/mockserver"
)

// config is what the command line asks for.
type config struct {
	cpuProfile                            string
	conns, small, idle, dashboards, pairs int
	warmup, window, zeroWindow            time.Duration
}

// parse reads the flags; -h prints them to out.
func parse(args []string, out io.Writer) (config, error) {
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(out)
	var c config
	fs.IntVar(&c.conns, "conns", loadConns, "connections of the main run")
	fs.IntVar(&c.small, "small", smallConns, "connections of the lighter run")
	fs.IntVar(&c.idle, "idle", idleConns, "connections of the no-load run")
	fs.IntVar(&c.dashboards, "dashboards", dashboards, "open dashboards (event-stream clients) in the dashboard rows; 0 skips them")
	fs.IntVar(&c.pairs, "pairs", dashboardPairs, "rounds of rows without and with dashboards, each in the order A B B A")
	fs.DurationVar(&c.warmup, "warmup", loadWarmup, "unmeasured time before each row")
	fs.DurationVar(&c.window, "duration", loadDuration, "measured time per row")
	fs.DurationVar(&c.zeroWindow, "zero-duration", zeroDuration, "measured time of the latency-scale-0 run")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof reads it)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case c.conns < 1 || c.small < 1 || c.idle < 1 || c.pairs < 1:
		return c, errors.New("-conns, -small, -idle and -pairs must be at least 1")
	case c.dashboards < 0 || c.dashboards > mockserver.MaxStreamsPerClient:
		// Every dashboard here comes from 127.0.0.1.
		return c, fmt.Errorf("-dashboards %d: want 0..%d (the server's limit on the open streams of one client address)", c.dashboards, mockserver.MaxStreamsPerClient)
	case c.warmup < 0 || c.window <= 0 || c.zeroWindow <= 0:
		return c, errors.New("-warmup must be >= 0, -duration and -zero-duration > 0")
	}
	return c, nil
}
