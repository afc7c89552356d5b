// Package cmdtest holds what the tests of the programs in snippets/cmd share:
// the real server at a small latency scale, running a program's testable
// body, and reading the figures it prints.
package cmdtest

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

// LatencyScale is the server's latency scale in the programs' tests: small
// enough to be quick, large enough that waiting still dominates.
const LatencyScale = 0.04

// StartServer runs the real server at LatencyScale and returns its URL; it
// stops when the test ends.
func StartServer(t *testing.T) string {
	t.Helper()
	return StartServerAt(t, LatencyScale)
}

// StartServerAt is StartServer at the given latency scale, for a test whose
// ratio needs waits long enough that a busy machine's few milliseconds of
// overhead per request cannot blur it.
func StartServerAt(t *testing.T, scale float64) string {
	t.Helper()
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = scale
	cfg.Videos = 100
	return servertest.Start(t, cfg).URL
}

// Check runs the program with args and returns its output. It fails the test
// if the program returns an error or its output lacks one of the patterns
// (regular expressions).
func Check(t *testing.T, run cli.RunFunc, args []string, patterns ...string) string {
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

var speedupLine = regexp.MustCompile(`speed-up: (\d+\.\d)x`)

// Speedup reads the figure of the program's "speed-up: 3.2x" line.
func Speedup(t *testing.T, out string) float64 {
	t.Helper()
	m := speedupLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no speed-up line:\n%s", out)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
