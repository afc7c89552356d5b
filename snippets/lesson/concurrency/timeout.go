package concurrency

import (
	"context"
	"time"
)

// WithTimeout runs f with a context that expires after d, like
// asyncio.wait_for. f must watch its context (every client call here does);
// when the time is up it gets context.DeadlineExceeded.
func WithTimeout[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel() // always release the timer
	return f(ctx)
}

// Sleep waits for d or until ctx ends, whichever comes first: a
// cancellable time.Sleep, like asyncio.sleep in a cancelled task.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
