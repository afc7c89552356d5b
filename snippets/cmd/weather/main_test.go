package main

import (
	"fmt"
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
	out := cmdtest.Check(t, run, []string{"-api", url, "-every", "30ms", "-for", "200ms"}, `Kiel +-?\d+\.\d °C :: \w`, `Berlin`, `München`, `readings \(0 errors\) from 3 producers`)
	var n, errs, producers int
	var took float64
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if _, err := fmt.Sscanf(lines[len(lines)-1], "%d readings (%d errors) from %d producers in %fs", &n, &errs, &producers, &took); err != nil {
		t.Fatal(err)
	}
	// Each producer fetches at once, then at most once per tick, for as
	// long as the run really took (a busy machine can make it overrun).
	most := 3 * (1 + int(took/0.030) + 1)
	if n < 6 || n > most {
		t.Errorf("%d readings from 3 cities polled every 30ms for %.2fs, want 6 to %d", n, took, most)
	}
}
