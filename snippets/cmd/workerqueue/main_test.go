package main

import (
	"regexp"
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
	out := cmdtest.Check(t, run, []string{"-api", url, "-n", "12", "-workers", "4"}, `worker [1-4] started post 1\n`, `worker [1-4] finished post 12: "`, `4 workers fetched 12 posts in \d+\.\d\ds`)
	workers := map[string]bool{}
	for _, m := range regexp.MustCompile(`worker (\d) started`).FindAllStringSubmatch(out, -1) {
		workers[m[1]] = true
	}
	if len(workers) < 2 || len(workers) > 4 {
		t.Errorf("%d distinct workers took posts, want 2..4", len(workers))
	}
	if n := strings.Count(out, "finished post"); n != 12 {
		t.Errorf("%d posts finished, want 12", n)
	}
}
