// Package lessons states what the notebooks' lessons claim as rules on the
// figures their measured runs report (package measure's results), so that
// every check that runs a notebook, the notebook harness and the classroom
// test alike, holds it to the same claims.
//
// A rule must hold on a busy laptop, not only on a quiet one. It decides on
// the server's own counts (how many requests it had at once, queued, slowed
// or turned away) and on the predictions of the server's gate model
// (package gate); where it compares wall times it compares two runs of the
// same notebook as a ratio, against a bound halfway between what the model
// predicts and no difference at all, a margin that another program busy on
// one of two cores does not cross (the harness proves it: go test
// ./notebooks -run TestNotebooks -args -hog).
package lessons

import (
	"fmt"
	"time"

	"github.com/go-async-workshop/workshop/server/gate"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
)

// VideoGate is the server's video endpoint as notebook 01 describes it to
// the learner: 10 requests at once, 200 ms each, 100 ms more for each
// request queued behind (at latency scale 1; every ratio below is the same
// at any scale).
var VideoGate = gate.Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 1}

// Video is the gate the rules read from a run's server figures.
const Video = "video"

// Limiting checks notebook 01's claim about a concurrency limit: with every
// request sent at once the server ran its capacity at once and queued and
// slowed some of the rest; with the limit at the capacity (a semaphore, or
// a cap on connections) it answered every request, never more than its
// capacity at once, none queued or slowed; and the limited run finished
// clearly sooner. How many of the burst queue depends on how quickly it
// reaches the server: at the checks' fifth of the latencies the first
// slots are held for 40 ms, which a burst of goroutines on a busy machine
// can take to arrive, so the counts ask for some queued and slowed, not
// for most, and the wall times show what the queue cost. It returns what
// does not hold, nothing when all of it does.
func Limiting(unlimited, limited measure.Result) []string {
	bad := limitingCounts(unlimited, limited)
	n := unlimited.Server[Video].Served
	capacity := VideoGate.Capacity
	if r, most := ratio(limited.WallSeconds, unlimited.WallSeconds), halfway(Predicted(n, capacity), Predicted(n, n)); r > most {
		bad = append(bad, fmt.Sprintf("%s took %.2fs, %s %.2fs: %.2f of the time, want at most %.2f (the model predicts %.2f)",
			limited.Name, limited.WallSeconds, unlimited.Name, unlimited.WallSeconds, r, most, ratio(Predicted(n, capacity), Predicted(n, n))))
	}
	return bad
}

// ConnLimiting is Limiting for a limit that the client's transport sets
// (MaxConnsPerHost): the same counts, and a run that finished sooner, but
// without the halfway margin. Such a client dials its connections inside
// the timed run, a fixed cost of tens of milliseconds: at the checks' fifth
// of the latencies that is a third of a 0.08 s run, while at the talk's
// latencies the run takes the model's 2.0 s. The semaphore's run, whose
// client is warm, keeps the margin.
func ConnLimiting(unlimited, limited measure.Result) []string {
	bad := limitingCounts(unlimited, limited)
	if r := ratio(limited.WallSeconds, unlimited.WallSeconds); r >= 1 {
		bad = append(bad, fmt.Sprintf("%s took %.2fs, %s %.2fs: not sooner", limited.Name, limited.WallSeconds, unlimited.Name, unlimited.WallSeconds))
	}
	return bad
}

// limitingCounts is what Limiting asks of the server's counts.
func limitingCounts(unlimited, limited measure.Result) []string {
	var bad []string
	u, l := unlimited.Server[Video], limited.Server[Video]
	n := u.Served
	capacity := VideoGate.Capacity
	if u.PeakInFlight != capacity || u.PeakWaiting < 1 || u.Degraded < 1 {
		bad = append(bad, fmt.Sprintf("%s: the server's videos %+v, want %d at once and some of the %d queued and slowed", unlimited.Name, u, capacity, n))
	}
	if l.Served != n || l.PeakInFlight > capacity || l.PeakInFlight < capacity/2 || l.PeakWaiting != 0 || l.Degraded != 0 {
		bad = append(bad, fmt.Sprintf("%s: the server's videos %+v, want %d answers, at most %d at once, none queued or slowed", limited.Name, l, n, capacity))
	}
	return bad
}

// Predicted is how long, in seconds at scale 1, n video requests take with
// at most limit of them sent at once, by the gate model.
func Predicted(n, limit int) float64 { return gate.Predict(VideoGate, n, limit).Seconds() }

// halfway is the largest ratio of a faster run's time to a slower one's
// that still counts as "clearly faster": halfway between the model's ratio
// for the two and 1 (no gain). A busy machine adds the same overhead to
// both runs, which pulls their ratio towards 1, but not past half the gap.
func halfway(faster, slower float64) float64 {
	return (1 + ratio(faster, slower)) / 2
}

// ratio is a/b, or +Inf when b is not positive (no time to compare with).
func ratio(a, b float64) float64 {
	if b <= 0 {
		return float64(1 << 62)
	}
	return a / b
}

// Busy reports whether other programs took the cores while r computed, by
// its own measurement (measure.Result's MachineBusy: its computing work got
// much less than the cores it could use, or other programs kept a quarter
// of a core busy or more): then every time it shows is longer than on a
// quiet machine, by however much the others took, and its report says so.
func Busy(r measure.Result) bool { return r.MachineBusy() }
