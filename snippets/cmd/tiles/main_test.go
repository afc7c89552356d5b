package main

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
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
	path := filepath.Join(t.TempDir(), "mosaic.png")
	out := check(t, []string{"-api", url, "-out", path, "-cols", "3", "-rows", "2"}, `sync: 6 tiles in`, `concurrent: 6 tiles in`, `mosaic: .*\(768x512\)`)
	// The server draws each tile on the CPU, which the race detector slows
	// down a lot, so the speed-up is only printed; what is asserted is that
	// the requests really overlapped at the server.
	speedup(t, out)
	var peak int
	if _, err := fmt.Sscanf(out[strings.Index(out, "(server: "):], "(server: %d in flight", &peak); err != nil || peak < 2 {
		t.Errorf("server saw %d tiles in flight at once (%v), want 2 or more:\n%s", peak, err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 768 || img.Bounds().Dy() != 512 {
		t.Errorf("mosaic is not a 768x512 PNG: %v", err)
	}
	var b strings.Builder
	if err := run(context.Background(), []string{"-api", url, "-cols", "0"}, &b); err == nil {
		t.Error("-cols 0 accepted")
	}
}
