package concurrency

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Group makes n calls with an errgroup: at most limit run at once
// (SetLimit makes g.Go wait for a free slot), and the first error cancels
// the context the other calls see and is the one returned; calls not yet
// started are skipped. It is the counterpart of asyncio.TaskGroup plus a
// semaphore. A limit below 1 is an error (SetLimit(0) would let no call
// start, and a negative limit would mean no limit at all).
func Group[T any](ctx context.Context, n, limit int, call Call[T]) ([]T, error) {
	if err := checkLimit("limit", limit); err != nil {
		return nil, err
	}
	out := make([]T, n)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i := range n {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err // an earlier call failed: skip this one
			}
			v, err := call(ctx, i)
			out[i] = v
			return err
		})
	}
	return out, g.Wait()
}
