package notebooks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/lessons"
	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/snippets/instrument/sweep"
)

func init() {
	register("01_snippets_from_the_slides", checkSnippets,
		wrong("one request after another", `import "golang.org/x/sync/errgroup"

// fetchLimited fetches the videos one after another.
func fetchLimited(ctx context.Context, c *videoapi.Client, ids []string, limit int) ([]videoapi.Video, error) {
	videos := make([]videoapi.Video, len(ids))
	for i, id := range ids {
		v, err := c.Video(ctx, id)
		if err != nil {
			return nil, err
		}
		videos[i] = v
	}
	return videos, nil
}`, "the calls ran one after another"),
		wrong("an errgroup without SetLimit", `import "golang.org/x/sync/errgroup"

// fetchLimited fetches every video at once: the group has no limit.
func fetchLimited(ctx context.Context, c *videoapi.Client, ids []string, limit int) ([]videoapi.Video, error) {
	videos := make([]videoapi.Video, len(ids))
	g, ctx := errgroup.WithContext(ctx)
	for i, id := range ids {
		g.Go(func() error {
			v, err := c.Video(ctx, id)
			videos[i] = v
			return err
		})
	}
	return videos, g.Wait()
}`, "set the group's limit with g.SetLimit"))
}

// videoCapacity is the server's video gate: 10 requests at once.
var videoCapacity = lessons.VideoGate.Capacity

// checkSnippets: the talk's lesson. All at once overloads the server
// (requests queue and are slowed); 10 at a time, by semaphore or connection
// limit, never queue and finish clearly sooner (lessons.Limiting, the rule
// the classroom test applies too); the sweep draws the V with its point at
// the capacity, each point on the model's line as the server's own counts
// show it.
func checkSnippets(t *testing.T, nb *ipynb.Notebook) {
	requireText(t, nb, "server is up at ")
	if r := mustRun(t, nb, "4 in a row"); r.Server["video"].PeakInFlight != 1 || r.Server["video"].Served != 4 {
		t.Errorf("4 in a row: server saw %+v, want 4 answers one at a time", r.Server["video"])
	}
	unlimited := mustRun(t, nb, "unlimited")
	for _, p := range lessons.Limiting(unlimited, mustRun(t, nb, "limited")) {
		t.Error(p)
	}
	for _, p := range lessons.ConnLimiting(unlimited, mustRun(t, nb, "connection limit")) {
		t.Error(p)
	}
	for _, p := range sweepProblems(limitsOf(t, nb)) {
		t.Error(p)
	}
}

// sweepProblems checks the sweep over concurrency limits against the gate
// model, and returns what does not hold. The server's counts must be the
// model's: up to the capacity every request finds a free slot (nothing
// queued, nothing slowed), beyond it the surplus queues, and from two beyond
// it is slowed. Times: no point beats the model (the server's waits are real
// sleeps), the fastest point is the capacity, and where the model puts one
// point at least twice as high as another, the measured times are in the
// same order: a busy machine adds to every point a share of its time, which
// keeps the order of points that far apart.
func sweepProblems(chart sweep.Chart) []string {
	var bad []string
	best := chart.Points[0]
	for _, p := range chart.Points {
		if p.WallSeconds < best.WallSeconds {
			best = p
		}
		if p.PeakInFlight > videoCapacity || (p.PeakWaiting > 0) != (p.Limit > videoCapacity) || (p.Degraded > 0) != (p.Limit > videoCapacity+1) {
			bad = append(bad, fmt.Sprintf("limit %d: the server had %d at once, %d queued, %d slowed; the model: at most %d at once, queued only beyond %d, slowed from %d",
				p.Limit, p.PeakInFlight, p.PeakWaiting, p.Degraded, videoCapacity, videoCapacity, videoCapacity+2))
		}
		if p.WallSeconds < 0.9*p.PredictedSeconds {
			bad = append(bad, fmt.Sprintf("limit %d: measured %.3fs, faster than the model's %.3fs, whose waits are the server's own", p.Limit, p.WallSeconds, p.PredictedSeconds))
		}
	}
	if best.Limit != videoCapacity {
		bad = append(bad, fmt.Sprintf("the fastest limit was %d, want the capacity %d (points %+v)", best.Limit, videoCapacity, chart.Points))
	}
	for _, a := range chart.Points {
		for _, b := range chart.Points {
			if a.PredictedSeconds >= 2*b.PredictedSeconds && a.WallSeconds <= b.WallSeconds {
				bad = append(bad, fmt.Sprintf("limit %d took %.3fs, no longer than limit %d (%.3fs), though the model puts it %.1f times as high",
					a.Limit, a.WallSeconds, b.Limit, b.WallSeconds, a.PredictedSeconds/b.PredictedSeconds))
			}
		}
	}
	return bad
}

// TestSweepProblems runs the sweep's rule on figures shaped like a check
// run's (20 videos at a fifth of the latency), in the fast layer.
func TestSweepProblems(t *testing.T) {
	// point is a limit measured 10% and 10 ms above the model, with the
	// server's counts the model gives for 20 requests.
	point := func(limit int) sweep.Figures {
		p := sweep.Figures{Limit: limit, PredictedSeconds: 0.2 * lessons.Predicted(20, limit), PeakInFlight: min(limit, videoCapacity)}
		p.WallSeconds = 1.1*p.PredictedSeconds + 0.01
		if limit > videoCapacity {
			p.PeakWaiting, p.Degraded = limit-videoCapacity, limit-videoCapacity-1
		}
		return p
	}
	chart := func(change func(p *sweep.Figures)) sweep.Chart {
		var l sweep.Chart
		for _, limit := range []int{1, 2, 5, 10, 20} {
			p := point(limit)
			if change != nil {
				change(&p)
			}
			l.Points = append(l.Points, p)
		}
		return l
	}
	tests := []struct {
		name   string
		change func(p *sweep.Figures)
		want   string // part of the complaint; "" when the sweep holds
	}{
		{"as the model", nil, ""},
		{"a busy machine: every point 60% longer", func(p *sweep.Figures) { p.WallSeconds *= 1.6 }, ""},
		{"queued at the capacity", func(p *sweep.Figures) {
			if p.Limit == 10 {
				p.PeakWaiting = 1
			}
		}, "limit 10: the server had"},
		{"over the capacity at once", func(p *sweep.Figures) {
			if p.Limit == 20 {
				p.PeakInFlight = 20
			}
		}, "limit 20: the server had"},
		{"faster than the sleeps", func(p *sweep.Figures) {
			if p.Limit == 1 {
				p.WallSeconds = 0.5
			}
		}, "faster than the model"},
		{"the V's point elsewhere", func(p *sweep.Figures) {
			if p.Limit == 10 {
				p.WallSeconds = 0.3
			}
		}, "the fastest limit was 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(sweepProblems(chart(tt.change)), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("sweepProblems = %q, want %q", got, tt.want)
			}
		})
	}
}
