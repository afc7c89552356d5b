package concurrency

import (
	"context"
	"fmt"
)

// Call is one unit of I/O work: fetch item i (a post, a tile, a video).
type Call[T any] func(ctx context.Context, i int) (T, error)

// checkLimit returns an error for a limit that would let no call run: a
// semaphore with no slot, or an errgroup limited to zero goroutines, waits
// for ever.
func checkLimit(what string, limit int) error {
	if limit < 1 {
		return fmt.Errorf("concurrency: %s %d: want at least 1 (with %d, nothing could ever run)", what, limit, limit)
	}
	return nil
}

// Sequential makes n calls one after another, like awaiting each call in
// turn: the total time is the sum of all calls. It stops at the first error.
func Sequential[T any](ctx context.Context, n int, call Call[T]) ([]T, error) {
	out := make([]T, n)
	for i := range n {
		v, err := call(ctx, i)
		if err != nil {
			return out, err
		}
		out[i] = v
	}
	return out, nil
}
