package concurrency

import (
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-async-workshop/workshop/internal/syncwriter"
)

// TestSleepingTasks runs both versions in a synctest bubble: the sleeps take
// virtual time, so the two times are exact on any machine.
func TestSleepingTasks(t *testing.T) {
	const d = time.Second
	tests := []struct {
		name string
		run  func(io.Writer, time.Duration) time.Duration
		want time.Duration
	}{
		{"sequential", TwoTasksSequential, 2 * d},
		{"concurrent", TwoTasksConcurrent, d},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var w syncwriter.Writer
				if took := tt.run(&w, d); took != tt.want {
					t.Errorf("took %v, want %v", took, tt.want)
				}
				out := w.String()
				for _, line := range []string{"running task 1", "finished task 1", "running task 2", "finished task 2"} {
					if !strings.Contains(out, line) {
						t.Errorf("output lacks %q:\n%s", line, out)
					}
				}
			})
		})
	}
}
