package concurrency

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/time/rate"
)

// RateLimited makes n calls concurrently but starts at most perSecond of
// them per second (after an initial burst), using a token bucket from
// golang.org/x/time/rate. A semaphore limits how many run at once; a rate
// limiter limits how often they start. A rate that is not positive or a
// burst below 1 is an error: no call could ever start.
func RateLimited[T any](ctx context.Context, n int, perSecond float64, burst int, call Call[T]) ([]T, error) {
	if !(perSecond > 0) {
		return nil, fmt.Errorf("concurrency: %g calls per second: want a positive rate", perSecond)
	}
	if err := checkLimit("burst", burst); err != nil {
		return nil, err
	}
	limiter := rate.NewLimiter(rate.Limit(perSecond), burst)
	out := make([]T, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if errs[i] = limiter.Wait(ctx); errs[i] != nil { // wait for a token
				return
			}
			out[i], errs[i] = call(ctx, i)
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
