package cpuhog

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time this process and its finished children used.
func cpuTime(t *testing.T, who int) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestSpin: a one-core hog uses CPU all the time it runs, and stops (Spin
// returns) when its context ends. The machine may be busy, so the hog may
// get much less than a whole core; one that slept would get next to none.
func TestSpin(t *testing.T) {
	before := cpuTime(t, syscall.RUSAGE_SELF)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	Spin(ctx, 1)
	wall := time.Since(start)
	if used := cpuTime(t, syscall.RUSAGE_SELF) - before; used < wall/20 {
		t.Errorf("the hog used %v of CPU in %v: it did not spin", used, wall)
	}
}

// TestStart: the hog is a child process that spins until the test ends.
func TestStart(t *testing.T) {
	if testing.Short() {
		t.Skip("spins a core for a second; skipped in -short")
	}
	const window = 2 * time.Second
	t.Run("hog", func(t *testing.T) {
		Start(t, 1)        // returns once the hog spins
		time.Sleep(window) // the hog's time to spin: what is measured below
	})
	// The hog was waited for by the subtest's cleanup: its CPU time is now
	// counted among the finished children. Starting a process costs tens of
	// milliseconds; spinning, even on a busy machine, far more.
	if used := cpuTime(t, syscall.RUSAGE_CHILDREN); used < window/10 {
		t.Errorf("the hog's process used %v of CPU in %v: it did not spin", used, window)
	}
}
