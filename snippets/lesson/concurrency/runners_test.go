package concurrency

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRunners checks every way of making n calls (sequential.go,
// waitgroup.go, semaphore.go, errgroup.go): results in order, the
// concurrency they allow, and the least time they can take.
func TestRunners(t *testing.T) {
	const n, d = 12, 20 * time.Millisecond
	tests := []struct {
		name     string
		run      func(context.Context, int, Call[int]) ([]int, error)
		wantPeak int64
		minCalls float64 // lower bound on wall time, in units of one call's time
	}{
		{"sequential", Sequential[int], 1, n},
		{"waitgroup", Concurrent[int], n, 1},
		{"chan semaphore 3", func(ctx context.Context, n int, c Call[int]) ([]int, error) { return LimitedChan(ctx, n, 3, c) }, 3, 4},
		{"weighted semaphore 4", func(ctx context.Context, n int, c Call[int]) ([]int, error) { return LimitedWeighted(ctx, n, 4, c) }, 4, 3},
		{"errgroup limit 6", func(ctx context.Context, n int, c Call[int]) ([]int, error) { return Group(ctx, n, 6, c) }, 6, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			if least := time.Duration(tt.minCalls * float64(d)); wall < least {
				t.Errorf("took %v, cannot be under %v", wall, least)
			}
		})
	}
}

func TestRunnersReportErrors(t *testing.T) {
	tests := []struct {
		name     string
		run      func(context.Context, int, Call[int]) ([]int, error)
		allCalls bool // whether every item is still attempted after the failure
	}{
		{"sequential", Sequential[int], false},
		{"waitgroup", Concurrent[int], true},
		{"chan semaphore", func(ctx context.Context, n int, c Call[int]) ([]int, error) { return LimitedChan(ctx, n, 2, c) }, true},
		{"weighted semaphore", func(ctx context.Context, n int, c Call[int]) ([]int, error) { return LimitedWeighted(ctx, n, 2, c) }, true},
		{"errgroup", func(ctx context.Context, n int, c Call[int]) ([]int, error) { return Group(ctx, n, 2, c) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g gauge
			_, err := tt.run(context.Background(), 20, g.call(10*time.Millisecond, 1))
			if err == nil || !strings.Contains(err.Error(), "item 1 failed") {
				t.Fatalf("error %v, want item 1's", err)
			}
			if calls := g.calls.Load(); (calls == 20) != tt.allCalls {
				t.Errorf("%d of 20 calls made (all expected: %v)", calls, tt.allCalls)
			}
		})
	}
}
