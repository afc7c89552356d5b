package concurrency

import (
	"context"
	"errors"
	"sync"
)

// Concurrent makes all n calls at once, one goroutine each, and waits for
// all of them with a sync.WaitGroup: the counterpart of asyncio.gather. The
// total time is that of the slowest call. Each goroutine writes only its own
// slot of the result, so no lock is needed; the errors are joined.
func Concurrent[T any](ctx context.Context, n int, call Call[T]) ([]T, error) {
	out := make([]T, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i], errs[i] = call(ctx, i) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
