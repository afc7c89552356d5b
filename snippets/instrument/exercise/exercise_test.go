package exercise

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps what a test reported.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r) // stands in for runtime.Goexit, so that the caller sees it
}

func TestWithin(t *testing.T) {
	tests := []struct {
		name     string
		f        func()
		wantFail bool
	}{
		{"returns at once", func() {}, false},
		{"returns in time", func() { time.Sleep(10 * time.Millisecond) }, false},
		{"never returns", func() { select {} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			func() {
				defer func() {
					if p := recover(); p != nil && p != r {
						panic(p)
					}
				}()
				Within(r, 200*time.Millisecond, "f hung: wait with select", tt.f)
			}()
			if (r.failed != "") != tt.wantFail {
				t.Errorf("failed = %q, want a failure: %v", r.failed, tt.wantFail)
			}
			if tt.wantFail && !strings.HasPrefix(r.failed, "f hung: wait with select (still running after 200ms)") {
				t.Errorf("message %q does not name the mistake", r.failed)
			}
		})
	}
}

// settle waits until the goroutines of earlier tests have ended: the count
// is the runtime's, so one ending while GoroutinesAtOnce counts would
// take one off.
func settle() {
	last := runtime.NumGoroutine()
	for {
		time.Sleep(20 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == last {
			return
		}
		last = n
	}
}

func TestGoroutinesAtOnce(t *testing.T) {
	const n = 8
	sleep := func() { time.Sleep(50 * time.Millisecond) }
	tests := []struct {
		name     string
		f        func()
		min, max int
	}{
		{"a plain loop", func() {
			for range n {
				sleep()
			}
		}, 0, 0},
		{"one goroutine at a time", func() {
			for range n {
				done := make(chan struct{})
				go func() { sleep(); close(done) }()
				<-done
			}
			// A goroutine that has closed done may not have ended yet when
			// the next one starts: one at a time counts 1, sometimes 2.
		}, 1, 2},
		{"all at once", func() {
			var wg sync.WaitGroup
			for range n {
				wg.Go(sleep)
			}
			wg.Wait()
		}, n, n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settle()
			if got := GoroutinesAtOnce(tt.f); got < tt.min || got > tt.max {
				t.Errorf("GoroutinesAtOnce = %d, want %d to %d", got, tt.min, tt.max)
			}
		})
	}
}

func TestRunning(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "no goroutine besides its own"},
		{1, "one goroutine at a time"},
		{3, "at most 3 goroutines at once"},
	}
	for _, tt := range tests {
		if got := Running(tt.n); got != tt.want {
			t.Errorf("Running(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
