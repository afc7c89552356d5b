package progress

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-async-workshop/workshop/internal/syncwriter"
)

// lastLine returns the bar's current line: the text after the last \r.
func lastLine(w *syncwriter.Writer) string {
	parts := strings.Split(strings.TrimRight(w.String(), "\n"), "\r")
	return parts[len(parts)-1]
}

func TestBarLines(t *testing.T) {
	tests := []struct {
		name  string
		total int
		adds  []int
		want  string
	}{
		{"empty", 10, nil, "videos [..............................] 0/10 1.5s"},
		{"partial", 100, []int{40, 2}, "videos [############..................] 42/100 1.5s"},
		{"full", 3, []int{1, 1, 1}, "videos [##############################] 3/3 1.5s"},
		{"clamped", 3, []int{5}, "videos [##############################] 3/3 1.5s"},
		{"zero total", 0, []int{1}, "videos [##############################] 0/0 1.5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out syncwriter.Writer
			b := New(&out, tt.total, "videos")
			b.since = func(time.Time) time.Duration { return 1500 * time.Millisecond }
			for _, n := range tt.adds {
				b.Add(n)
			}
			b.Done()
			if got := lastLine(&out); got != tt.want {
				t.Errorf("last line %q, want %q", got, tt.want)
			}
			if !strings.HasSuffix(out.String(), "\n") {
				t.Error("Done did not end the line")
			}
		})
	}
}

func TestBarConcurrentAdds(t *testing.T) {
	var out syncwriter.Writer
	b := New(&out, 200, "items")
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() { b.Add(1) })
	}
	wg.Wait()
	b.Done()
	b.Add(1) // after Done: ignored
	b.Done()
	if b.Count() != 200 {
		t.Errorf("Count() = %d, want 200", b.Count())
	}
	if got := lastLine(&out); !strings.Contains(got, "] 200/200 ") {
		t.Errorf("last line %q", got)
	}
	if n := strings.Count(out.String(), "\n"); n != 1 {
		t.Errorf("%d newlines, want exactly 1", n)
	}
}

// Follow redraws from the count on every tick (virtual time: each tick is
// exact) and a last time at stop.
func TestFollow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out syncwriter.Writer
		var n atomic.Int64
		stop := Follow(&out, 10, "videos", 200*time.Millisecond, func() int { return int(n.Load()) })
		n.Store(3)
		time.Sleep(250 * time.Millisecond) // one tick
		synctest.Wait()
		if got := lastLine(&out); !strings.Contains(got, "] 3/10 ") {
			t.Errorf("after a tick: %q, want 3/10", got)
		}
		n.Store(10)
		stop()
		stop() // a second stop does nothing
		if got := lastLine(&out); !strings.Contains(got, "] 10/10 ") || !strings.HasSuffix(out.String(), "\n") {
			t.Errorf("after stop: %q, want 10/10 and an ended line", got)
		}
	})
}
