package contentwarnings

import (
	"context"
	"fmt"
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
		v, err := r.video(ctx, id)
		if err != nil {
			return r.result(flagged), fmt.Errorf("video %s: %w", id, err)
		}
		text, err := r.transcript(ctx, id)
		if err != nil {
			return r.result(flagged), fmt.Errorf("transcript %s: %w", id, err)
		}
		warnings := r.model(id, Text(v, text))
		if err := r.save(ctx, id, warnings); err != nil {
			return r.result(flagged), fmt.Errorf("saving %s: %w", id, err)
		}
		flagged[i] = len(warnings) > 0
		r.saved()
	}
	return r.result(flagged), nil
}
