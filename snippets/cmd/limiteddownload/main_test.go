package main

import (
	"testing"

	"github.com/go-async-workshop/workshop/internal/cmdtest"
	"github.com/go-async-workshop/workshop/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	// The server's counts decide, not the two wall times: at the tests'
	// latency scale a busy machine's delays are as long as the queue's.
	url := cmdtest.StartServer(t)
	cmdtest.Check(t, run, []string{"-api", url, "-n", "60", "-limit", "10"},
		`unlimited: +60 videos in .*peak in flight 10, peak waiting [1-5]\d, served 60, degraded [1-5]\d`,
		`limited to 10: +60 videos in .*peak in flight 10, peak waiting 0, served 60, degraded 0`)
}
