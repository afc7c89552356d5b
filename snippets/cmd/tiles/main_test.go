package main

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/cmdtest"
	"github.com/go-async-workshop/workshop/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	url := cmdtest.StartServer(t)
	path := filepath.Join(t.TempDir(), "mosaic.png")
	out := cmdtest.Check(t, run, []string{"-api", url, "-out", path, "-cols", "3", "-rows", "2"}, `sync: 6 tiles in`, `concurrent: 6 tiles in`, `mosaic: .*\(768x512\)`)
	// The server draws each tile on the CPU, which the race detector slows
	// down a lot, so the speed-up is only printed; what is asserted is that
	// the requests really overlapped at the server.
	cmdtest.Speedup(t, out)
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
