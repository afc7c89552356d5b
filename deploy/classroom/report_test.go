package classroom

import (
	"strings"
	"testing"
	"time"
)

// These run in -short too: they check the benchmark's arithmetic and verdict.

func TestReport(t *testing.T) {
	row := func(n int, p95 time.Duration, others float64) classFigures {
		return classFigures{Attendees: n, CellP95: p95, Others: others}
	}
	tests := []struct {
		name string
		rows []classFigures
		want []string
		not  []string
	}{
		{"held then not", []classFigures{row(1, time.Second, 0.05), row(2, 1900*time.Millisecond, 0.1), row(3, 3*time.Second, 0.1)},
			[]string{"capacity: 2 attendees"}, []string{"at least", "quiet machine"}},
		{"all held", []classFigures{row(1, time.Second, 0), row(2, time.Second, 0)},
			[]string{"capacity: at least 2 attendees"}, nil},
		{"none held", []classFigures{row(1, 3*time.Second, 0)},
			[]string{"not even 1 attendee"}, nil},
		{"slow cells named", []classFigures{{Attendees: 1, CellP95: 3 * time.Second, Slow: []string{"cell 30 (%test) 3.1s"}}},
			[]string{"cells of 2s or more: cell 30 (%test) 3.1s"}, nil},
		{"none held, from 3", []classFigures{row(3, 3*time.Second, 0)},
			[]string{"not 3 attendees (the smallest class tried)", "fewer were not measured"}, []string{"not even 1"}},
		{"busy machine", []classFigures{row(1, time.Second, 0.05), row(2, 3*time.Second, 0.66)},
			[]string{"capacity: 1 attendees", "2 attendees (66%)", "run again on a quiet machine"}, nil},
	}
	for _, tt := range tests {
		got := report("a workload", tt.rows, "0.5")
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: report lacks %q:\n%s", tt.name, w, got)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: report says %q:\n%s", tt.name, w, got)
			}
		}
	}
}

func TestReportCost(t *testing.T) {
	off := classFigures{Walls: "off", SpawnP50: 4 * time.Second, Spawn: 5 * time.Second, FirstOutput: 10 * time.Second, CellP50: time.Second, CellP95: 2 * time.Second}
	on := classFigures{Walls: "on", SpawnP50: 4400 * time.Millisecond, Spawn: 5 * time.Second, FirstOutput: 9 * time.Second, CellP50: time.Second, CellP95: 2200 * time.Millisecond}
	got := reportCost([]classFigures{off, on})
	for _, want := range []string{"spawn p50 1.10, max 1.00", "first output 0.90", "per cell p50 1.00, p95 1.10"} {
		if !strings.Contains(got, want) {
			t.Errorf("reportCost lacks %q: %s", want, got)
		}
	}
	if got := reportCost([]classFigures{on}); got != "" {
		t.Errorf("reportCost without a control = %q, want nothing", got)
	}
}
