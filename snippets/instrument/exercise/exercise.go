// Package exercise gives the notebooks' exercise tests what they need to
// judge an answer's concurrency and to end within seconds whatever the
// answer does: a deadline that names the likely mistake, and a count of the
// goroutines an answer had running at once.
//
//	var got []int
//	exercise.Within(t, 5*time.Second, "double did not return: receive one result per number", func() {
//		atOnce = exercise.GoroutinesAtOnce(func() { got = double(in) })
//	})
package exercise

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// pollEvery is how often GoroutinesAtOnce counts the goroutines.
const pollEvery = 200 * time.Microsecond

// Within runs f and waits at most limit for it to return. If it has not,
// the test fails at once with mistake, the likely cause, and ends: f's
// goroutine is left behind, and the test program's exit ends it. Call
// Within from the test's own goroutine; f may report with t.Error but not
// end the test (t.Fatal is for the test's goroutine).
func Within(t testing.TB, limit time.Duration, mistake string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("%s (still running after %v)", mistake, limit)
	}
}

// GoroutinesAtOnce runs f and returns the most goroutines that were running
// at once while it ran, besides the goroutine that runs f and those that
// were running before: for an answer that starts one goroutine per item and
// keeps them alive for a moment (say, a 100 ms wait), the number of items;
// for a plain loop, 0; for one goroutine at a time, 1, or 2 when one that
// has sent its result has not ended before the next starts. The count is the runtime's, read every 200 µs, so a
// goroutine that lives less than that may be missed, and one that another
// part of the program starts or ends meanwhile counts too: call it where
// nothing else comes and goes, as in an exercise's test.
func GoroutinesAtOnce(f func()) int {
	before := runtime.NumGoroutine()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	// The counting goroutine is this one; the goroutine running f is one more.
	peak := 0
	ticker := time.NewTicker(pollEvery)
	defer ticker.Stop()
	for {
		peak = max(peak, runtime.NumGoroutine()-before-1)
		select {
		case <-done:
			return peak
		case <-ticker.C:
		}
	}
}

// Running words a count from GoroutinesAtOnce for a test's message, as in
// "double ran "+Running(n)+" for 4 numbers": "no goroutine besides its
// own", "one goroutine at a time", or "at most n goroutines at once".
func Running(n int) string {
	switch {
	case n <= 0:
		return "no goroutine besides its own"
	case n == 1:
		return "one goroutine at a time"
	}
	return fmt.Sprintf("at most %d goroutines at once", n)
}
