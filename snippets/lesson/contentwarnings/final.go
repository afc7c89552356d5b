package contentwarnings

import (
	"context"
	"fmt"
	"runtime"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// Limits of the final pipeline, as in the talk.
const (
	// VideoLimit is the most video GETs in flight at once.
	VideoLimit = 5
	// TranscriptLimit is the most transcript GETs in flight at once.
	TranscriptLimit = 10
)

// Final is the fixed concurrent version. Every video gets a goroutine, but
// each endpoint has its own semaphore (VideoLimit video GETs and
// TranscriptLimit transcript GETs at once), a video and its transcript are
// fetched at the same time, the model runs on at most GOMAXPROCS goroutines
// (one per core: more would only take turns), and saves run freely. The
// errgroup's context is cancelled by the first error, which stops every
// request still waiting or in flight, and that error is returned.
func Final(ctx context.Context, o Options) (Result, error) {
	r, err := begin(ctx, o, "final")
	if err != nil {
		return Result{Mode: "final"}, err
	}
	videos := semaphore.NewWeighted(VideoLimit)
	transcripts := semaphore.NewWeighted(TranscriptLimit)
	models := semaphore.NewWeighted(int64(runtime.GOMAXPROCS(0)))

	flagged := make([]bool, len(r.ids))
	g, ctx := errgroup.WithContext(ctx)
	for i, id := range r.ids {
		g.Go(func() error {
			// Fetch the video and its transcript concurrently.
			var (
				video videoapi.Video
				text  string
			)
			fetch, fctx := errgroup.WithContext(ctx)
			fetch.Go(func() (err error) {
				return limited(fctx, videos, func() error {
					video, err = r.video(fctx, id)
					return err
				})
			})
			fetch.Go(func() (err error) {
				return limited(fctx, transcripts, func() error {
					text, err = r.transcript(fctx, id)
					return err
				})
			})
			if err := fetch.Wait(); err != nil {
				return fmt.Errorf("fetching %s: %w", id, err)
			}
			// Run the model on one of GOMAXPROCS slots.
			var warnings []string
			if err := limited(ctx, models, func() error {
				warnings = r.model(id, video, text)
				return nil
			}); err != nil {
				return err
			}
			if err := r.save(ctx, id, warnings); err != nil {
				return fmt.Errorf("saving %s: %w", id, err)
			}
			flagged[i] = len(warnings) > 0
			r.saved()
			return nil
		})
	}
	err = g.Wait()
	return r.result(flagged), err
}

// limited runs f while holding one slot of sem; it gives up if ctx ends first.
func limited(ctx context.Context, sem *semaphore.Weighted, f func() error) error {
	if err := sem.Acquire(ctx, 1); err != nil {
		return err
	}
	defer sem.Release(1)
	return f()
}
