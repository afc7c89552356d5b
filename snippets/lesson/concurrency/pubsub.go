package concurrency

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// PubSub runs one producer per source and a single consumer joined by a
// channel, like the asyncio weather example with its Queue. Each producer
// fetches its source at once and then on every tick of a time.Ticker, and
// publishes the message; the consumer handles messages one at a time. When
// ctx is cancelled the producers stop, the channel is closed, and PubSub
// returns once the consumer has handled every message sent. Fetch errors are
// passed to consume's err argument instead of a message. An interval of
// zero or less is an error (a ticker needs a positive one).
func PubSub[S, M any](ctx context.Context, sources []S, every time.Duration,
	fetch func(context.Context, S) (M, error), consume func(m M, err error)) error {
	if every <= 0 {
		return fmt.Errorf("concurrency: publishing every %v: want a positive interval", every)
	}
	messages := make(chan result[M], len(sources))
	var producers sync.WaitGroup
	for _, src := range sources {
		producers.Go(func() {
			ticker := time.NewTicker(every)
			defer ticker.Stop()
			for {
				m, err := fetch(ctx, src)
				if ctx.Err() != nil {
					return // cancelled while fetching: nothing to publish
				}
				messages <- result[M]{m, err}
				select {
				case <-ticker.C:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { producers.Wait(); close(messages) }()
	for r := range messages { // the consumer
		consume(r.value, r.err)
	}
	return nil
}

// result carries a value or an error through a channel.
type result[M any] struct {
	value M
	err   error
}
