package contentwarnings

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// VerifyLimit is how many videos Check and Verify read at once.
const VerifyLimit = 5

// Unchecked is the warning MarkUnchecked saves on every video before a run.
const Unchecked = "not checked yet"

// MarkUnchecked saves the warning "not checked yet" on every video of ids,
// so that a check after a run can tell whether the run saved each of them.
func MarkUnchecked(ctx context.Context, c *videoapi.Client, ids []string) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(VerifyLimit)
	for _, id := range ids {
		g.Go(func() error { return c.SaveWarnings(ctx, id, []string{Unchecked}) })
	}
	return g.Wait()
}

// Verdict is what Check found: whether every video carries the warnings its
// text calls for and the run flagged exactly those, and if not, what is wrong.
type Verdict struct {
	// Videos is how many videos were checked.
	Videos int
	// Flagged are the ids the run reported as flagged.
	Flagged []string
	// Wrong describes each problem found, one per video at most.
	Wrong []string
}

// OK reports whether nothing is wrong.
func (v Verdict) OK() bool { return len(v.Wrong) == 0 }

// String says the verdict in one sentence (and lists at most five problems).
func (v Verdict) String() string {
	if v.OK() {
		return fmt.Sprintf("all %d videos carry the right warnings; %d flagged: %s", v.Videos, len(v.Flagged), strings.Join(v.Flagged, ", "))
	}
	shown := v.Wrong[:min(len(v.Wrong), 5)]
	more := ""
	if len(v.Wrong) > len(shown) {
		more = fmt.Sprintf("; and %d more", len(v.Wrong)-len(shown))
	}
	return fmt.Sprintf("%d of %d videos are wrong: %s%s", len(v.Wrong), v.Videos, strings.Join(shown, "; "), more)
}

// Check re-reads every video of ids and compares what the server holds with
// what its title, description and transcript call for, and with flagged,
// the ids a run reported as flagged. An error means the check itself could
// not run (the server went away).
func Check(ctx context.Context, c *videoapi.Client, ids, flagged []string) (Verdict, error) {
	verdict := Verdict{Videos: len(ids), Flagged: flagged}
	wrong := make([]string, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(VerifyLimit)
	for i, id := range ids {
		g.Go(func() error {
			v, err := c.Video(gctx, id)
			if err != nil {
				return fmt.Errorf("check: video %s: %w", id, err)
			}
			text, err := c.Transcript(gctx, id)
			if err != nil {
				return fmt.Errorf("check: transcript %s: %w", id, err)
			}
			want := Expected(Text(v, text))
			switch {
			case !slices.Equal(v.Warnings, want):
				wrong[i] = fmt.Sprintf("%s is saved with %q, want %q", id, v.Warnings, want)
			case (len(want) > 0) != slices.Contains(flagged, id):
				wrong[i] = fmt.Sprintf("%s was reported flagged=%t, want %t", id, slices.Contains(flagged, id), len(want) > 0)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return verdict, err
	}
	for _, w := range wrong {
		if w != "" {
			verdict.Wrong = append(verdict.Wrong, w)
		}
	}
	for _, id := range flagged {
		if !slices.Contains(ids, id) {
			verdict.Wrong = append(verdict.Wrong, fmt.Sprintf("%s was reported flagged but is not one of the videos", id))
		}
	}
	return verdict, nil
}

// Verify re-reads the first n videos and checks that each one is saved with
// the warnings its text calls for, and that r flagged exactly those videos.
func Verify(ctx context.Context, c *videoapi.Client, n int, r Result) error {
	ids, err := c.ListIDs(ctx, n)
	if err != nil {
		return fmt.Errorf("verify: listing %d videos: %w", n, err)
	}
	v, err := Check(ctx, c, ids, r.Flagged)
	if err != nil {
		return err
	}
	if !v.OK() {
		return errors.New("verify: " + v.String())
	}
	return nil
}
