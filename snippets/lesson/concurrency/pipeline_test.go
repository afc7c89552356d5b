package concurrency

import (
	"context"
	"slices"
	"testing"
)

func TestPipeline(t *testing.T) {
	tests := []struct{ items, workers int }{{0, 3}, {1, 3}, {50, 3}, {50, 1}}
	for _, tt := range tests {
		items := make([]int, tt.items)
		for i := range items {
			items[i] = i
		}
		ctx := context.Background()
		got := Collect(Stage(ctx, Generate(ctx, items...), tt.workers, func(v int) int { return v * v }))
		slices.Sort(got)
		if !slices.Equal(got, squares(tt.items)) {
			t.Errorf("%d items, %d workers: got %v", tt.items, tt.workers, got)
		}
	}
}

func TestPipelineCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := Stage(ctx, Generate(ctx, make([]int, 1000)...), 3, func(v int) int { return v })
	<-out
	cancel()
	for range out { // drains and ends: every goroutine stopped (goleak checks)
	}
}
