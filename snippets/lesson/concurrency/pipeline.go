package concurrency

import (
	"context"
	"sync"
)

// Generate sends items on a new channel and closes it when done or when ctx
// is cancelled: the first stage of a pipeline.
func Generate[T any](ctx context.Context, items ...T) <-chan T {
	out := make(chan T)
	go func() {
		defer close(out)
		for _, it := range items {
			select {
			case out <- it:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Stage fans out: workers goroutines read in, apply f and send the results
// on one channel (fan-in), which is closed once every worker is done. The
// results come in completion order, like asyncio.as_completed. Once ctx is
// done the workers stop applying f and drain in without sending anything,
// so that a stage before this one is never left blocked on a send; out is
// closed when in is. Stage panics with fewer than one worker (nobody would
// read in): that is the calling code's mistake, found on its first run.
func Stage[T, R any](ctx context.Context, in <-chan T, workers int, f func(T) R) <-chan R {
	if err := checkLimit("workers", workers); err != nil {
		panic(err)
	}
	out := make(chan R)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for v := range in {
				if ctx.Err() != nil {
					continue // cancelled: drain in
				}
				select {
				case out <- f(v):
				case <-ctx.Done():
				}
			}
		})
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

// Collect receives everything from in until it is closed.
func Collect[T any](in <-chan T) []T {
	var out []T
	for v := range in {
		out = append(out, v)
	}
	return out
}
