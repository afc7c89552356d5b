package notebooks

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

func init() { register("00_start_here", checkStartHere) }

// checkStartHere: the server answered, declarations carried over but values
// did not, goroutines overlapped, main returning stopped the goroutines and
// a WaitGroup waited for them, and two futures ran at the same time.
func checkStartHere(t *testing.T, nb *ipynb.Notebook) {
	requireText(t, nb, "server is up at ")
	requireText(t, nb, "HELLO, GOPHER! counter = 1")
	requireText(t, nb, "go version go1.")
	requireText(t, nb, "slept 100 ms\nslept 200 ms\nslept 300 ms")
	if wall := seconds(t, nb, `all three finished in ([\d.]+) s`); wall > 0.5 {
		t.Errorf("three sleeping goroutines took %.2fs, not clearly less than the sum of their sleeps (0.6s)", wall)
	}
	returns := nb.CellPrinting("main returns now")
	if returns == nil || strings.Contains(returns.Text(), "finished") {
		t.Error("the cell where main returns at once shows goroutines finishing, or is missing")
	}
	if strings.Count(nb.Text(), "finished\n") < 3 {
		t.Error("the WaitGroup cell does not show its three goroutines finishing")
	}
	requireText(t, nb, "3² + 4² = 25")
	if wall := seconds(t, nb, `two 200 ms computations took ([\d.]+) s`); wall > 0.35 {
		t.Errorf("two futures took %.2fs, want about 0.2s (they run at the same time)", wall)
	}
}

// seconds reads the number the first match of pattern captures in the
// notebook's text, or stops the check.
func seconds(t *testing.T, nb *ipynb.Notebook, pattern string) float64 {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(nb.Text())
	if m == nil {
		t.Fatalf("%s: no output matches %q", nb.Name, pattern)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s: %q is not a number", nb.Name, m[1])
	}
	return v
}
