package cpuhog

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
)

// Bounds of the tests' waits. A hog shows it spins by using spun of CPU: one
// that sleeps uses next to none, one that spins gets there within a second
// on a quiet machine and within seconds on one whose cores many programs
// share. The tests wait for that, never for a fixed time, up to waitLimit.
const (
	spun      = 100 * time.Millisecond
	waitLimit = time.Minute
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

// processCPU is the CPU time a running process used so far, from Linux's
// /proc/PID/stat (utime and stime, the 14th and 15th fields).
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the hog's CPU time (Linux's /proc): %w", err)
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // after the command name: state is f[0]
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * cpustat.ClockTick, nil
}

// waitSpun waits until used reports at least spun of CPU, and fails the
// test if waitLimit passes first.
func waitSpun(t *testing.T, what string, used func() (time.Duration, error)) {
	t.Helper()
	start := time.Now()
	for {
		u, err := used()
		if err != nil {
			t.Fatal(err)
		}
		if u >= spun {
			t.Logf("%s used %v of CPU in %v", what, u, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > waitLimit {
			t.Fatalf("%s used %v of CPU in %v, want %v: it does not spin", what, u, waitLimit, spun)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSpin: a one-core hog uses CPU while it runs, and stops (Spin returns)
// when its context ends.
func TestSpin(t *testing.T) {
	before := cpuTime(t, syscall.RUSAGE_SELF)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		Spin(ctx, 1)
	}()
	waitSpun(t, "Spin", func() (time.Duration, error) { return cpuTime(t, syscall.RUSAGE_SELF) - before, nil })
	cancel()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatalf("Spin did not return within %v of its context ending", waitLimit)
	}
}

// TestStart: the hog is a child process that spins until the test ends.
func TestStart(t *testing.T) {
	if testing.Short() {
		t.Skip("spins a core until it used a tenth of a second; skipped in -short")
	}
	before := cpuTime(t, syscall.RUSAGE_CHILDREN)
	var pid int
	t.Run("hog", func(t *testing.T) {
		pid = Start(t, 1) // returns once the hog spins
		waitSpun(t, "the hog's process", func() (time.Duration, error) { return processCPU(pid) })
	})
	// The subtest's cleanup stopped the hog and waited for it: its CPU time
	// is now counted among the finished children, and it runs no more.
	if used := cpuTime(t, syscall.RUSAGE_CHILDREN) - before; used < spun {
		t.Errorf("the hog's process used %v of CPU as a finished child, want at least the %v seen while it ran", used, spun)
	}
	if _, err := processCPU(pid); err == nil {
		t.Errorf("the hog's process %d still runs after its test ended", pid)
	}
}
