package contentwarnings

import (
	"context"
	"fmt"
	"sync"
)

// Attempt is the naive concurrent version: one goroutine per video, all
// started at once, with no limit on requests or on the model. Every request
// reaches the server together, so it queues them and answers ever more
// slowly (or, with a cap on waiting requests, turns them away with 503),
// and the models all compete for the CPU at the same time. Every video is
// tried; if any failed, the error reports how many and the first one.
func Attempt(ctx context.Context, o Options) (Result, error) {
	r, err := begin(ctx, o, "attempt")
	if err != nil {
		return Result{Mode: "attempt"}, err
	}
	flagged := make([]bool, len(r.ids))
	errs := make([]error, len(r.ids))
	var wg sync.WaitGroup
	for i, id := range r.ids {
		wg.Go(func() {
			flagged[i], errs[i] = r.processOne(ctx, id)
		})
	}
	wg.Wait()
	res := r.result(flagged)
	var first error
	failed := 0
	for _, e := range errs {
		if e != nil {
			failed++
			if first == nil {
				first = e
			}
		}
	}
	if failed > 0 {
		return res, fmt.Errorf("%d of %d videos failed, first: %w", failed, len(r.ids), first)
	}
	return res, nil
}

// processOne runs the four steps of one video in order.
func (r *run) processOne(ctx context.Context, id string) (bool, error) {
	flagged, err := r.steps().ProcessVideo(ctx, id)
	if err == nil {
		r.saved()
	}
	return flagged, err
}
