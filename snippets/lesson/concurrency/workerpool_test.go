package concurrency

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestWorkerPool(t *testing.T) {
	tests := []struct{ items, workers int }{{0, 4}, {1, 4}, {10, 4}, {25, 1}, {7, 10}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d items %d workers", tt.items, tt.workers), func(t *testing.T) {
			var mu sync.Mutex
			seen := map[int]bool{}
			items := make([]int, tt.items)
			for i := range items {
				items[i] = i + 1
			}
			got := WorkerPool(context.Background(), items, tt.workers, func(_ context.Context, w, item int) int {
				mu.Lock()
				seen[w] = true
				mu.Unlock()
				time.Sleep(time.Millisecond)
				return item * 10
			})
			for i, v := range got {
				if v != items[i]*10 {
					t.Fatalf("result %d = %d, want %d", i, v, items[i]*10)
				}
			}
			if len(seen) > tt.workers {
				t.Errorf("%d workers ran, want at most %d", len(seen), tt.workers)
			}
		})
	}
}

func TestWorkerPoolStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var done atomic.Int64
	got := WorkerPool(ctx, make([]int, 100), 4, func(ctx context.Context, _, _ int) int {
		if done.Add(1) == 8 {
			cancel()
		}
		return 1
	})
	if n := done.Load(); n >= 100 || n < 8 {
		t.Errorf("%d of 100 items processed after cancelling at 8", n)
	}
	if len(got) != 100 {
		t.Errorf("%d results", len(got))
	}
}
