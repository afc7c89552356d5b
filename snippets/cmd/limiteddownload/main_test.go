package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
	"github.com/go-async-workshop/workshop/snippets/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

// startServer runs the real server at a small latency scale.
func startServer(t *testing.T) string {
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0.04
	cfg.Videos = 100
	return servertest.Start(t, cfg).URL
}

// check runs the program and returns its output, failing on error or when a
// pattern is missing.
func check(t *testing.T, args []string, patterns ...string) string {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatalf("run(%q): %v\n%s", args, err, out.String())
	}
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out.String()) {
			t.Errorf("output lacks /%s/:\n%s", p, out.String())
		}
	}
	return out.String()
}

// speedup reads the "speed-up: 3.2x" line.
func speedup(t *testing.T, out string) float64 {
	t.Helper()
	m := regexp.MustCompile(`speed-up: (\d+\.\d)x`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no speed-up line:\n%s", out)
	}
	var f float64
	if _, err := fmt.Sscanf(m[1], "%g", &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRun(t *testing.T) {
	url := startServer(t)
	out := check(t, []string{"-api", url, "-n", "60", "-limit", "10"},
		`unlimited: +60 videos in .*peak in flight 10, peak waiting [1-5]\d, served 60, degraded [1-5]\d`,
		`limited to 10: +60 videos in .*peak in flight 10, peak waiting 0, served 60, degraded 0`)
	var walls []float64
	for _, m := range regexp.MustCompile(`videos in (\d+\.\d\d)s`).FindAllStringSubmatch(out, -1) {
		var f float64
		fmt.Sscanf(m[1], "%g", &f)
		walls = append(walls, f)
	}
	if len(walls) != 2 || walls[1] >= walls[0] {
		t.Errorf("the limited run is not faster:\n%s", out)
	}
}
