package concurrency

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// limited wraps a runner that takes a limit as one with the common shape.
func limited(run func(context.Context, int, int, Call[int]) ([]int, error), limit int) func(context.Context, int, Call[int]) ([]int, error) {
	return func(ctx context.Context, n int, c Call[int]) ([]int, error) { return run(ctx, n, limit, c) }
}

// TestRunners checks every way of making n calls (sequential.go,
// waitgroup.go, semaphore.go, errgroup.go): results in order, the
// concurrency they allow, and the time they take. The calls sleep in a
// synctest bubble, where time only moves when every goroutine waits, so the
// times are exact on any machine: rounds of calls times one call's time.
func TestRunners(t *testing.T) {
	const n, d = 12, 20 * time.Millisecond
	tests := []struct {
		name     string
		run      func(context.Context, int, Call[int]) ([]int, error)
		wantPeak int64
		rounds   int // wall time in units of one call's time
	}{
		{"sequential", Sequential[int], 1, n},
		{"waitgroup", Concurrent[int], n, 1},
		{"chan semaphore 3", limited(LimitedChan[int], 3), 3, 4},
		{"weighted semaphore 4", limited(LimitedWeighted[int], 4), 4, 3},
		{"errgroup limit 6", limited(Group[int], 6), 6, 2},
		{"errgroup limit 5", limited(Group[int], 5), 5, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g gauge
				start := time.Now()
				got, err := tt.run(context.Background(), n, g.call(d, -1))
				wall := time.Since(start)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, squares(n)) {
					t.Errorf("results %v", got)
				}
				if p := g.peak.Load(); p != tt.wantPeak {
					t.Errorf("peak concurrency %d, want %d", p, tt.wantPeak)
				}
				if want := time.Duration(tt.rounds) * d; wall != want {
					t.Errorf("took %v, want %v", wall, want)
				}
			})
		})
	}
}

func TestRunnersReportErrors(t *testing.T) {
	tests := []struct {
		name        string
		run         func(context.Context, int, Call[int]) ([]int, error)
		least, most int64 // how many items are attempted: all 20, or only those before the failure stopped the rest
	}{
		{"sequential", Sequential[int], 2, 2},
		{"waitgroup", Concurrent[int], 20, 20},
		{"chan semaphore", limited(LimitedChan[int], 2), 20, 20},
		{"weighted semaphore", limited(LimitedWeighted[int], 2), 20, 20},
		// Items 0 and 1 get the two slots; item 1 fails at once and cancels
		// the rest, so item 0 runs only if its goroutine got there first.
		{"errgroup", limited(Group[int], 2), 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g gauge
				_, err := tt.run(context.Background(), 20, g.call(10*time.Millisecond, 1))
				if err == nil || !strings.Contains(err.Error(), "item 1 failed") {
					t.Fatalf("error %v, want item 1's", err)
				}
				if calls := g.calls.Load(); calls < tt.least || calls > tt.most {
					t.Errorf("%d of 20 calls made, want %d to %d", calls, tt.least, tt.most)
				}
			})
		})
	}
}

// A limit that lets no call run is an error, not a program that waits for
// ever.
func TestRunnersRefuseNoSlots(t *testing.T) {
	for _, limit := range []int{0, -1} {
		for name, run := range map[string]func(context.Context, int, int, Call[int]) ([]int, error){
			"LimitedChan": LimitedChan[int], "LimitedWeighted": LimitedWeighted[int], "Group": Group[int],
		} {
			var g gauge
			_, err := run(context.Background(), 3, limit, g.call(0, -1))
			if err == nil || !strings.Contains(err.Error(), "want at least 1") || g.calls.Load() != 0 {
				t.Errorf("%s with limit %d: error %v after %d calls, want an error and no call", name, limit, err, g.calls.Load())
			}
		}
	}
}
