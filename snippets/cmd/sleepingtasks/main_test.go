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
	out := check(t, []string{"-d", "40ms"}, `running task 1`, `finished task 2`, `sequential: finished in 0\.\d\ds`, `concurrent: finished in 0\.\d\ds`)
	if s := speedup(t, out); s < 1.3 {
		t.Errorf("speed-up %.1fx, want about 2x", s)
	}
	var out2 strings.Builder
	if err := run(context.Background(), []string{"-d", "0s"}, &out2); err == nil {
		t.Error("-d 0s accepted")
	}
}
