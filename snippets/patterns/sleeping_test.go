package patterns

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestSleepingTasks(t *testing.T) {
	const d = 30 * time.Millisecond
	tests := []struct {
		name  string
		run   func(io.Writer, time.Duration) time.Duration
		least time.Duration
	}{
		{"sequential", TwoTasksSequential, 2 * d},
		{"concurrent", TwoTasksConcurrent, d},
	}
	took := map[string]time.Duration{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w lockedWriter
			took[tt.name] = tt.run(&w, d)
			if took[tt.name] < tt.least {
				t.Errorf("took %v, cannot be under %v", took[tt.name], tt.least)
			}
			out := w.b.String()
			for _, line := range []string{"running task 1", "finished task 1", "running task 2", "finished task 2"} {
				if !strings.Contains(out, line) {
					t.Errorf("output lacks %q:\n%s", line, out)
				}
			}
		})
	}
	if took["concurrent"] >= took["sequential"]*3/4 {
		t.Errorf("concurrent %v is not clearly faster than sequential %v", took["concurrent"], took["sequential"])
	}
}
