package concurrency

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/sync/semaphore"
)

// LimitedChan makes n calls concurrently but at most limit at a time, using
// a buffered channel as the semaphore: sending takes a slot (it blocks while
// the channel is full), receiving gives it back. Like `async with sem:`.
// A limit below 1 is an error: no call could ever take a slot.
func LimitedChan[T any](ctx context.Context, n, limit int, call Call[T]) ([]T, error) {
	if err := checkLimit("limit", limit); err != nil {
		return nil, err
	}
	out := make([]T, n)
	errs := make([]error, n)
	slots := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			slots <- struct{}{}        // acquire
			defer func() { <-slots }() // release
			out[i], errs[i] = call(ctx, i)
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// LimitedWeighted is LimitedChan with golang.org/x/sync/semaphore, whose
// Acquire also gives up when ctx is cancelled (a waiting goroutine returns
// ctx's error instead of calling). A limit below 1 is an error.
func LimitedWeighted[T any](ctx context.Context, n, limit int, call Call[T]) ([]T, error) {
	if err := checkLimit("limit", limit); err != nil {
		return nil, err
	}
	out := make([]T, n)
	errs := make([]error, n)
	sem := semaphore.NewWeighted(int64(limit))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if errs[i] = sem.Acquire(ctx, 1); errs[i] != nil {
				return
			}
			defer sem.Release(1)
			out[i], errs[i] = call(ctx, i)
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
