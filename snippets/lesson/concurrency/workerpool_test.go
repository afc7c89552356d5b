package concurrency

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestWorkerPool runs in a synctest bubble: each item takes 1ms of virtual
// time, so every worker is busy when the next item is queued and exactly
// min(workers, items) workers take part.
func TestWorkerPool(t *testing.T) {
	tests := []struct{ items, workers int }{{0, 4}, {1, 4}, {10, 4}, {25, 1}, {7, 10}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d items %d workers", tt.items, tt.workers), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				seen := map[int]bool{}
				items := make([]int, tt.items)
				for i := range items {
					items[i] = i + 1
				}
				got, err := WorkerPool(context.Background(), items, tt.workers, func(_ context.Context, w, item int) int {
					mu.Lock()
					seen[w] = true
					mu.Unlock()
					time.Sleep(time.Millisecond)
					return item * 10
				})
				if err != nil {
					t.Fatal(err)
				}
				for i, v := range got {
					if v != items[i]*10 {
						t.Fatalf("result %d = %d, want %d", i, v, items[i]*10)
					}
				}
				if want := min(tt.workers, tt.items); len(seen) != want {
					t.Errorf("%d workers ran, want %d", len(seen), want)
				}
			})
		})
	}
}

func TestWorkerPoolStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var done atomic.Int64
	got, err := WorkerPool(ctx, make([]int, 100), 4, func(ctx context.Context, _, _ int) int {
		if done.Add(1) == 8 {
			cancel()
		}
		return 1
	})
	if n := done.Load(); n >= 100 || n < 8 {
		t.Errorf("%d of 100 items processed after cancelling at 8", n)
	}
	if len(got) != 100 || !errors.Is(err, context.Canceled) {
		t.Errorf("%d results, error %v; want 100 and the context's error", len(got), err)
	}
}

// No worker is an error, not a queue that waits for ever.
func TestWorkerPoolRefusesNoWorkers(t *testing.T) {
	for _, workers := range []int{0, -2} {
		called := false
		_, err := WorkerPool(context.Background(), []int{1, 2}, workers, func(context.Context, int, int) int { called = true; return 0 })
		if err == nil || !strings.Contains(err.Error(), "want at least 1") || called {
			t.Errorf("WorkerPool with %d workers: error %v (called: %v)", workers, err, called)
		}
	}
}
