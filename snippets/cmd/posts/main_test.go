package main

import (
	"context"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/cmdtest"
	"github.com/go-async-workshop/workshop/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	// Posts take 100 ms here: ten of them one by one take a second, long
	// enough that the overhead of a busy machine cannot hide the speed-up.
	url := cmdtest.StartServerAt(t, 0.4)
	out := cmdtest.Check(t, run, []string{"-api", url}, `fetching post 1, fetched post 1, fetching post 2`, `sync: finished in \d+\.\d\ds`, `concurrent: finished in`)
	if s := cmdtest.Speedup(t, out); s < 3 {
		t.Errorf("speed-up %.1fx for 10 concurrent posts, want well above 3x (10x at most)", s)
	}
	for _, bad := range [][]string{{"-n", "0"}, {"-n", "101"}} {
		var b strings.Builder
		if err := run(context.Background(), append([]string{"-api", url}, bad...), &b); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
