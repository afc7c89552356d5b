package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
	"github.com/go-async-workshop/workshop/snippets/internal/cmdtest"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	url := cmdtest.StartServer(t)
	out := cmdtest.Check(t, run, []string{"-api", url, "-every", "30ms", "-for", "200ms"}, `Kiel +-?\d+\.\d °C :: \w`, `Berlin`, `München`, `readings \(0 errors\) from 3 producers`)
	var n int
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if _, err := fmt.Sscanf(lines[len(lines)-1], "%d readings", &n); err != nil {
		t.Fatal(err)
	}
	if n < 6 || n > 3*8 {
		t.Errorf("%d readings from 3 cities polled every 30ms for 200ms", n)
	}
}
