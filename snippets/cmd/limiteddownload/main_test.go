package main

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/go-async-workshop/workshop/internal/cmdtest"
	"github.com/go-async-workshop/workshop/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	url := cmdtest.StartServer(t)
	out := cmdtest.Check(t, run, []string{"-api", url, "-n", "60", "-limit", "10"},
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
