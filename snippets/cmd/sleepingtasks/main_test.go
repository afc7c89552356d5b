package main

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/go-async-workshop/workshop/internal/cmdtest"
	"github.com/go-async-workshop/workshop/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	// In a synctest bubble the sleeps take virtual time: the figures are exact.
	synctest.Test(t, func(t *testing.T) {
		cmdtest.Check(t, run, []string{"-d", "1s"}, `running task 1`, `finished task 2`,
			`sequential: finished in 2\.00s`, `concurrent: finished in 1\.00s`, `speed-up: 2\.0x`)
	})
	var out2 strings.Builder
	if err := run(context.Background(), []string{"-d", "0s"}, &out2); err == nil {
		t.Error("-d 0s accepted")
	}
}
