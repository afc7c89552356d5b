package concurrency

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
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

// A stage before Stage that does not watch the context (a plain loop that
// sends every item and closes its channel) is never left blocked on a send:
// once the context is done, Stage reads the rest of its input and drops it.
func TestStageDrainsItsInputOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		in := make(chan int)
		sent := make(chan int, 1)
		go func() { // ignores ctx
			n := 0
			for i := range 100 {
				in <- i
				n++
			}
			close(in)
			sent <- n
		}()
		out := Stage(ctx, in, 2, func(v int) int { return v })
		<-out
		cancel()
		received := 1
		for range out {
			received++
		}
		synctest.Wait() // every goroutine of the bubble is blocked or done
		select {
		case n := <-sent:
			if n != 100 {
				t.Errorf("the sender sent %d of 100 items", n)
			}
		default:
			t.Fatal("the sender is still blocked after the stage ended: Stage stopped reading its input")
		}
		if received > 3 {
			t.Errorf("the stage passed on %d results after the cancel, want at most its workers' results in hand", received)
		}
	})
}

func TestStagePanicsWithoutWorkers(t *testing.T) {
	defer func() {
		if err, _ := recover().(error); err == nil || !strings.Contains(err.Error(), "want at least 1") {
			t.Errorf("Stage with 0 workers panicked with %v, want an error saying so", err)
		}
	}()
	Stage(context.Background(), make(chan int), 0, func(v int) int { return v })
}
