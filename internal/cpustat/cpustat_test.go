package cpustat

import (
	"runtime"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Counters
		ok   bool
	}{
		{"a Linux line", "cpu  100 5 50 800 20 1 2 7 0 0\ncpu0 50 2 25 400 10 0 1 3 0 0\n", Counters{Total: 985, Busy: 165, Steal: 7}, true},
		{"no steal column", "cpu 1 2 3 4\n", Counters{}, false},
		{"not the cpu line", "intr 1 2 3 4 5 6 7 8 9\n", Counters{}, false},
		{"a bad number", "cpu 1 2 x 4 5 6 7 8\n", Counters{}, false},
		{"empty", "", Counters{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseStat(tt.text)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseStat = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCountersShares(t *testing.T) {
	before := Counters{Total: 1000, Busy: 100, Steal: 10}
	after := Counters{Total: 1400, Busy: 300, Steal: 30}
	d := after.Sub(before)
	if d != (Counters{Total: 400, Busy: 200, Steal: 20}) || d.BusyShare() != 0.5 || d.StealShare() != 0.05 {
		t.Errorf("Sub = %+v, busy %g, steal %g", d, d.BusyShare(), d.StealShare())
	}
	if (Counters{}).BusyShare() != 0 || (Counters{}).StealShare() != 0 {
		t.Error("shares of nothing counted are not 0")
	}
}

func TestParseLoadAverage(t *testing.T) {
	for text, want := range map[string]string{"0.42 0.30 0.20 1/123 456\n": "0.42", "": "", "x 1 2": ""} {
		if got, ok := parseLoadAverage(text); got != want || ok != (want != "") {
			t.Errorf("parseLoadAverage(%q) = %q, %v; want %q", text, got, ok, want)
		}
	}
}

// spin keeps the calling goroutine on its core for at least d of CPU time
// as this process's clock counts it.
func spin(d time.Duration, clock func() time.Duration) {
	start := clock()
	for clock()-start < d {
		for range 100_000 {
		}
	}
}

func TestClocksCountWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the CPU clocks are read on Linux only; on %s they return 0", runtime.GOOS)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p0, t0 := Process(), Thread()
	spin(50*time.Millisecond, Thread)
	if dp, dt := Process()-p0, Thread()-t0; dt < 50*time.Millisecond || dp < dt {
		t.Errorf("after 50ms of work on this thread: thread clock +%v, process clock +%v", dt, dp)
	}
	if c, ok := MachineCounters(); !ok || c.Total == 0 || c.Busy > c.Total {
		t.Errorf("MachineCounters = %+v, %v", c, ok)
	}
	if avg, ok := LoadAverage(); !ok || avg == "" {
		t.Errorf("LoadAverage = %q, %v", avg, ok)
	}
}
