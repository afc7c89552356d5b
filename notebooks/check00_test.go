package notebooks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

func init() {
	register("00_start_here", checkStartHere,
		wrong("a plain loop", `// double returns slowDouble(n) for every n of nums, in order.
func double(nums []int) []int {
	out := make([]int, len(nums))
	for i, n := range nums {
		out[i] = slowDouble(n)
	}
	return out
}`, "the calls ran one after another"),
		wrong("one goroutine at a time", `// double starts a goroutine per number but waits for each before the next.
func double(nums []int) []int {
	out := make([]int, len(nums))
	for i, n := range nums {
		done := make(chan int)
		go func() { done <- slowDouble(n) }()
		out[i] = <-done
	}
	return out
}`, "the calls ran one after another")) // counted as 1 or 2 at once: one may not have ended when the next starts
}

// checkStartHere: the server answered, declarations carried over but values
// did not, goroutines overlapped, main returning stopped the goroutines and
// a WaitGroup waited for them, and two futures ran at the same time.
func checkStartHere(t *testing.T, nb *ipynb.Notebook) {
	requireText(t, nb, "server is up at ")
	requireText(t, nb, "HELLO, GOPHER! counter = 1")
	requireText(t, nb, "go version go1.")
	requireText(t, nb, "slept 100 ms\nslept 200 ms\nslept 300 ms")
	if p := overlap("three sleeping goroutines", seconds(t, nb, `all three finished in ([\d.]+) s`), 0.3, seconds(t, nb, `their sleeps add up to ([\d.]+) s`)); p != "" {
		t.Error(p)
	}
	returns := nb.CellPrinting("main returns now")
	if returns == nil || strings.Contains(returns.Text(), "finished") {
		t.Error("the cell where main returns at once shows goroutines finishing, or is missing")
	}
	if strings.Count(nb.Text(), "finished\n") < 3 {
		t.Error("the WaitGroup cell does not show its three goroutines finishing")
	}
	requireText(t, nb, "3² + 4² = 25")
	if p := overlap("two futures of 200 ms", seconds(t, nb, `two 200 ms computations took ([\d.]+) s`), 0.2, 0.4); p != "" {
		t.Error(p)
	}
}

// overlap says what is wrong, if anything, with the claim that pieces of
// work that only wait ran at the same time: together they took about as
// long as the longest one, much less than the sum of them all. "Much less"
// is less than halfway from the longest to the sum, a margin no busy core
// crosses: it delays a woken goroutine by milliseconds, not by half of the
// waits. No run can take less than its longest wait.
func overlap(what string, wall, longest, sum float64) string {
	if wall < 0.95*longest || wall > (longest+sum)/2 {
		return fmt.Sprintf("%s took %.2fs: want about the longest wait (%.2fs), clearly less than all the waits one after another (%.2fs)", what, wall, longest, sum)
	}
	return ""
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

func TestOverlap(t *testing.T) {
	tests := []struct {
		wall, longest, sum float64
		ok                 bool
	}{
		{0.30, 0.3, 0.6, true},
		{0.44, 0.3, 0.6, true}, // 140 ms late: a very busy machine
		{0.46, 0.3, 0.6, false},
		{0.60, 0.3, 0.6, false}, // one after another
		{0.20, 0.3, 0.6, false}, // shorter than a wait: not measured right
	}
	for _, tt := range tests {
		if got := overlap("x", tt.wall, tt.longest, tt.sum); (got == "") != tt.ok {
			t.Errorf("overlap(%v, %v, %v) = %q, want ok=%v", tt.wall, tt.longest, tt.sum, got, tt.ok)
		}
	}
}
