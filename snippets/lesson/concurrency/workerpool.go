package concurrency

import (
	"context"
	"sync"
)

// Job is one item handed to a worker, with its position in the input.
type Job[J any] struct {
	Index int
	Item  J
}

// WorkerPool processes items with a fixed number of workers reading one
// channel, like asyncio.Queue with worker tasks. Closing the channel is the
// sentinel (no None per worker is needed: every worker's range loop ends),
// and WaitGroup.Wait is queue.join(). If ctx is cancelled, no more items are
// queued, the results not computed stay zero and the error is ctx's. Fewer
// than one worker is an error: nobody would ever take an item.
func WorkerPool[J, R any](ctx context.Context, items []J, workers int,
	work func(ctx context.Context, worker int, item J) R) ([]R, error) {
	if err := checkLimit("workers", workers); err != nil {
		return nil, err
	}
	out := make([]R, len(items))
	queue := make(chan Job[J])
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for job := range queue { // ends when the queue is closed
				out[job.Index] = work(ctx, w, job.Item)
			}
		})
	}
	err := feed(ctx, queue, items)
	close(queue) // the sentinel: no more work
	wg.Wait()    // the join: every worker has finished
	return out, err
}

// feed queues every item, or stops with ctx's error once ctx is done.
func feed[J any](ctx context.Context, queue chan<- Job[J], items []J) error {
	for i, it := range items {
		select {
		case queue <- Job[J]{i, it}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
