package contentwarnings

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// VerifyLimit is how many videos Verify reads at once.
const VerifyLimit = 5

// Verify re-reads the first n videos and checks that each one is saved with
// the warnings its transcript calls for, and that r flagged exactly those
// videos (when r covered n videos).
func Verify(ctx context.Context, c *videoapi.Client, n int, r Result) error {
	ids, err := c.ListIDs(ctx, n)
	if err != nil {
		return fmt.Errorf("verify: listing %d videos: %w", n, err)
	}
	want := make([]bool, len(ids))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(VerifyLimit)
	for i, id := range ids {
		g.Go(func() error {
			v, err := c.Video(ctx, id)
			if err != nil {
				return fmt.Errorf("verify: video %s: %w", id, err)
			}
			text, err := c.Transcript(ctx, id)
			if err != nil {
				return fmt.Errorf("verify: transcript %s: %w", id, err)
			}
			expected := Expected(Text(v, text))
			if !slices.Equal(v.Warnings, expected) {
				return fmt.Errorf("verify: video %s saved with warnings %q, want %q", id, v.Warnings, expected)
			}
			want[i] = len(expected) > 0
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if r.Videos == len(ids) {
		var flagged []string
		for i, f := range want {
			if f {
				flagged = append(flagged, ids[i])
			}
		}
		if !slices.Equal(r.Flagged, flagged) && !(len(r.Flagged) == 0 && len(flagged) == 0) {
			return fmt.Errorf("verify: result flagged %q, want %q", r.Flagged, flagged)
		}
	}
	return nil
}
