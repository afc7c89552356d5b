package gate

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/go-async-workshop/workshop/internal/percentile"
)

// RecentWindow is how far back Recent looks, in recentSlots steps: the
// window is the current step and the recentSlots-1 before it.
const (
	RecentWindow = time.Second
	recentSlots  = 10
	slotWidth    = RecentWindow / recentSlots
	// maxSamplesPerSlot bounds the memory of a busy gate: past it, a slot
	// keeps a uniform random sample of its latencies (reservoir sampling).
	maxSamplesPerSlot = 512
)

// Latencies summarizes the latencies of recently served requests.
type Latencies struct {
	Count int           // requests served in the window
	P50   time.Duration // median; 0 when Count is 0
	P95   time.Duration // 95th percentile; 0 when Count is 0
}

// recentLatencies keeps the latencies of the last recentSlots steps of
// slotWidth, in a ring indexed by the step number.
type recentLatencies struct {
	slots [recentSlots]latencySlot
}

type latencySlot struct {
	step    int64           // time step this slot holds: unix nanoseconds / slotWidth
	seen    int             // requests served in the step
	samples []time.Duration // all of them, or a uniform sample of maxSamplesPerSlot
}

func stepOf(t time.Time) int64 { return t.UnixNano() / int64(slotWidth) }

// add records one latency at time now.
func (r *recentLatencies) add(now time.Time, d time.Duration) {
	step := stepOf(now)
	s := &r.slots[step%recentSlots]
	if s.step != step {
		s.step, s.seen, s.samples = step, 0, s.samples[:0]
	}
	s.seen++
	if len(s.samples) < maxSamplesPerSlot {
		s.samples = append(s.samples, d)
	} else if j := rand.IntN(s.seen); j < maxSamplesPerSlot {
		s.samples[j] = d
	}
}

// collect appends the samples of the window ending at now to dst and
// returns how many requests the window saw.
func (r *recentLatencies) collect(now time.Time, dst []time.Duration) (int, []time.Duration) {
	step, n := stepOf(now), 0
	for i := range r.slots {
		s := &r.slots[i]
		if s.seen > 0 && s.step <= step && step-s.step < recentSlots {
			n += s.seen
			dst = append(dst, s.samples...)
		}
	}
	return n, dst
}

// reset forgets every latency.
func (r *recentLatencies) reset() {
	for i := range r.slots {
		r.slots[i].seen, r.slots[i].samples = 0, r.slots[i].samples[:0]
	}
}

// summarize sorts samples and reads the percentiles (nearest rank).
func summarize(n int, samples []time.Duration) Latencies {
	if len(samples) == 0 {
		return Latencies{}
	}
	slices.Sort(samples)
	return Latencies{Count: n, P50: percentile.Sorted(samples, 50), P95: percentile.Sorted(samples, 95)}
}
