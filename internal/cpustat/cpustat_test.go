package cpustat

import (
	"runtime"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		line string
		want Machine
		ok   bool
	}{
		{"cpu  100 2 30 500 7 1 1 9 0 0", Machine{Total: 650, Busy: 143, Steal: 9}, true},
		{"cpu  1 2 3 4 5 6 7 8", Machine{Total: 36, Busy: 27, Steal: 8}, true},
		{"cpu0 1 2 3 4 5 6 7 8", Machine{}, false},
		{"cpu  1 2 3", Machine{}, false},
		{"cpu  1 2 x 4 5 6 7 8", Machine{}, false},
		{"", Machine{}, false},
	}
	for _, tt := range tests {
		if got, ok := parseStat(tt.line); got != tt.want || ok != tt.ok {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

// TestClocksMove: spinning for a while moves this process's clock, and on
// Linux the machine's counters too.
func TestClocksMove(t *testing.T) {
	p0 := Process()
	m0, ok := ReadMachine()
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
	}
	if runtime.GOOS != "windows" && Process() <= p0 {
		t.Errorf("the process's CPU clock did not move: %v then %v", p0, Process())
	}
	m1, ok1 := ReadMachine()
	if runtime.GOOS == "linux" {
		if !ok || !ok1 || m1.Sub(m0).Total == 0 || LoadAverage() == "unknown" {
			t.Errorf("machine counters %+v then %+v (%v, %v), load average %s", m0, m1, ok, ok1, LoadAverage())
		}
	}
}

func TestMachineShares(t *testing.T) {
	d := Machine{Total: 1400, Busy: 300, Steal: 30}.Sub(Machine{Total: 1000, Busy: 100, Steal: 10})
	if d != (Machine{Total: 400, Busy: 200, Steal: 20}) || d.BusyShare() != 0.5 || d.StealShare() != 0.05 {
		t.Errorf("Sub = %+v, busy %g, steal %g", d, d.BusyShare(), d.StealShare())
	}
	if (Machine{}).BusyShare() != 0 || (Machine{}).StealShare() != 0 {
		t.Error("shares of nothing counted are not 0")
	}
}

// TestThreadClock: work on a locked thread moves its clock by as much, and
// the process's by at least as much (Linux only: elsewhere Thread is 0).
func TestThreadClock(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("a thread's CPU clock is read on Linux only, not on %s", runtime.GOOS)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p0, t0 := Process(), Thread()
	for Thread()-t0 < 50*time.Millisecond {
	}
	if dp, dt := Process()-p0, Thread()-t0; dt < 50*time.Millisecond || dp < dt {
		t.Errorf("after 50ms of work on this thread: thread clock +%v, process clock +%v", dt, dp)
	}
}
