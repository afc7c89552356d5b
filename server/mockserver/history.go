package mockserver

import (
	"time"
)

// The history a dashboard opens with: the gates' load over the last
// minute, so that its charts show a burst that ended before it opened.
const (
	historyWindow = time.Minute
	// historyPoints bounds the memory: one point per snapshot, and
	// snapshots come at most every streamMinInterval.
	historyPoints = int(historyWindow/streamMinInterval) + 1
)

// historyPoint is one snapshot as the charts draw it: the gates' load and
// latency, without their counters. Idle gates are left out.
type historyPoint struct {
	Time  time.Time            `json:"time"`
	Gates map[string]gatePoint `json:"gates"`
}

// gatePoint is one gate in a historyPoint.
type gatePoint struct {
	InFlight int      `json:"in_flight"`
	Waiting  int      `json:"waiting"`
	P50ms    *float64 `json:"p50_ms"`
	P95ms    *float64 `json:"p95_ms"`
}

// idle reports whether no gate of the point holds, queues or answered
// anything.
func (p historyPoint) idle() bool { return len(p.Gates) == 0 }

// pointOf keeps of snap what the charts draw.
func pointOf(snap snapshot) historyPoint {
	p := historyPoint{Time: snap.Time, Gates: map[string]gatePoint{}}
	for name, g := range snap.Gates {
		if g.InFlight > 0 || g.Waiting > 0 || g.P50ms != nil {
			p.Gates[name] = gatePoint{InFlight: g.InFlight, Waiting: g.Waiting, P50ms: g.P50ms, P95ms: g.P95ms}
		}
	}
	return p
}

// history is a ring of the last historyPoints points.
type history struct {
	ring [historyPoints]historyPoint
	next int // where the next point goes
	n    int // points held
}

// add records snap. An idle point right after another idle one adds
// nothing: the charts hold the last value until the next change.
func (h *history) add(snap snapshot) {
	p := pointOf(snap)
	if last := h.last(); p.idle() && last != nil && last.idle() {
		return
	}
	h.ring[h.next] = p
	h.next = (h.next + 1) % len(h.ring)
	h.n = min(h.n+1, len(h.ring))
}

// last returns the newest point, or nil.
func (h *history) last() *historyPoint {
	if h.n == 0 {
		return nil
	}
	return &h.ring[(h.next+len(h.ring)-1)%len(h.ring)]
}

// since returns the points from from on, oldest first. The last point
// before from comes too, so that the charts know the state at from.
func (h *history) since(from time.Time) []historyPoint {
	out := make([]historyPoint, 0, h.n)
	for i := range h.n {
		p := h.ring[(h.next-h.n+i+len(h.ring))%len(h.ring)]
		if p.Time.Before(from) {
			out = append(out[:0], p)
			continue
		}
		out = append(out, p)
	}
	return out
}
