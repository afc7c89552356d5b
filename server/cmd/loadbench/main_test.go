package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestLoadVerdict(t *testing.T) {
	tests := []struct {
		name                           string
		share, p99, bareShare, bareP99 float64
		want                           string
	}{
		{"met", 0.95, 1.1, 0.96, 1.05, "targets met"},
		{"met at the limits", 0.90, 1.2, 0.5, 3, "targets met"},
		{"server in the way", 0.95, 1.3, 0.95, 1.1, "the mock server's own work stands in the way"},
		{"slow server", 0.85, 1.1, 0.92, 1.15, "the mock server's own work stands in the way"},
		{"machine", 0.90, 1.4, 0.91, 1.38, "not even a server that only sleeps met them at 1000 connections"},
		{"machine, throughput", 0.88, 1.1, 0.89, 1.1, "not even a server that only sleeps met them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadVerdict(1000, tt.share, tt.p99, tt.bareShare, tt.bareP99); !strings.Contains(got, tt.want) {
				t.Errorf("loadVerdict(%v, %v, %v, %v) = %q, want it to say %q", tt.share, tt.p99, tt.bareShare, tt.bareP99, got, tt.want)
			}
		})
	}
}

func TestDashboardVerdict(t *testing.T) {
	tests := []struct {
		without, with float64
		want          string
	}{
		{18000, 18000, "took 0.0% of the throughput (18000 req/s with, 18000 without; each got 5.0 events/s): within the 5% target"},
		{18000, 17200, "took 4.4% "},
		{18000, 17100, "took 5.0% "},
		{18000, 17000, "took 5.6% of the throughput (17000 req/s with, 18000 without; each got 5.0 events/s): over the 5% target"},
		{18000, 18500, "took -2.8% "}, // faster with: noise, shown as it is
	}
	for _, tt := range tests {
		if got := dashboardVerdict(50, tt.without, tt.with, 5); !strings.Contains(got, tt.want) {
			t.Errorf("dashboardVerdict(%v, %v) = %q, want it to say %q", tt.without, tt.with, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	bad := [][]string{
		{"-conns", "0"},
		{"-dashboards", "-1"},
		{"-dashboards", "101"},
		{"-duration", "0s"},
		{"-pairs", "0"},
		{"-warmup", "-1s"},
		{"extra"},
	}
	for _, args := range bad {
		var out strings.Builder
		if _, err := parse(args, &out); err == nil {
			t.Errorf("parse(%q) accepted", args)
		}
	}
	c, err := parse(nil, &strings.Builder{})
	if err != nil || c.conns != loadConns || c.dashboards != dashboards || c.window != loadDuration {
		t.Errorf("defaults %+v, %v", c, err)
	}
}

// TestRunSmall runs the whole program at a tiny size: every row and both
// verdicts are printed, with no errors. The figures themselves are not
// checked: they are measurements, not test results.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the measurement at a small size for a few seconds")
	}
	var out strings.Builder
	args := []string{"-conns", "30", "-small", "10", "-idle", "2", "-dashboards", "3", "-pairs", "1", "-warmup", "200ms", "-duration", "300ms", "-zero-duration", "200ms"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, p := range []string{
		`(?m)^ +mock server +30 +\d+ .* +0 +\S+ +$`,
		`(?m)^ +mock server \+ 3 dashboards +30 +\d+ .* +0 +\S+ +\d+\.\d *$`,
		`(?m)^ +mock server, no load +2 `,
		`(?m)^ +bare fasthttp, same sleep +30 `,
		`(?m)^zero latency: \d+ req/s`,
		`(?m)^machine: \d+ CPUs`,
		`(?m)^dashboards: 3 open dashboards took -?\d+\.\d% of the throughput`,
		`(?m)^dashboards: CPU per request \S+ with, \S+ without`,
		`(?m)^verdict: targets`,
	} {
		if !regexp.MustCompile(p).MatchString(out.String()) {
			t.Errorf("output lacks /%s/:\n%s", p, out.String())
		}
	}
}

// TestInterruptStopsAtOnce: Ctrl+C (ctx ending) in the middle of a
// measuring window of an hour stops the run then, with ctx's error, rather
// than at the end of the window.
func TestInterruptStopsAtOnce(t *testing.T) {
	s, err := startServers()
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := drive(ctx, s.mock, 20, 0, time.Hour)
		done <- err
	}()
	time.AfterFunc(300*time.Millisecond, cancel) // requests are in flight by then
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("drive returned %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute): // an hour's window: only a drive that ignores ctx gets here
		t.Fatal("drive went on for a minute after ctx ended")
	}
	// The whole program too.
	var out strings.Builder
	if err := run(ctx, []string{"-duration", "1h"}, &out); !errors.Is(err, context.Canceled) {
		t.Errorf("run with an ended ctx: %v, want context.Canceled", err)
	}
}
