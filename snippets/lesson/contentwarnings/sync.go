package contentwarnings

import (
	"context"
)

// Sync processes one video after another: get the video, get its
// transcript, run the model, save the warnings. Nothing overlaps, so the
// wall time is the sum of every step.
func Sync(ctx context.Context, o Options) (Result, error) {
	r, err := begin(ctx, o, "sync")
	if err != nil {
		return Result{Mode: "sync"}, err
	}
	flagged := make([]bool, len(r.ids))
	for i, id := range r.ids {
		if flagged[i], err = r.steps().ProcessVideo(ctx, id); err != nil {
			return r.result(flagged), err
		}
		r.saved()
	}
	return r.result(flagged), nil
}
