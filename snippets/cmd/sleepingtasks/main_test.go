package main

import (
	"context"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/snippets/internal/cmdtest"
	"github.com/go-async-workshop/workshop/snippets/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	out := cmdtest.Check(t, run, []string{"-d", "40ms"}, `running task 1`, `finished task 2`, `sequential: finished in 0\.\d\ds`, `concurrent: finished in 0\.\d\ds`)
	if s := cmdtest.Speedup(t, out); s < 1.3 {
		t.Errorf("speed-up %.1fx, want about 2x", s)
	}
	var out2 strings.Builder
	if err := run(context.Background(), []string{"-d", "0s"}, &out2); err == nil {
		t.Error("-d 0s accepted")
	}
}
