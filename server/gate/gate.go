// Package gate models an overloaded backend: a fixed number of slots, a FIFO
// queue in front of them, and a hold time that grows with the queue.
//
// A request queues for one of Capacity slots. When a slot is handed to it, w is
// the number of requests still queued behind it (0 if it found a free slot).
// It then holds the slot for (MinDelay + Step*min(w, DegradeCap)) * Scale and
// releases it. A gate with Capacity 0 has unlimited slots and always holds for
// MinDelay * Scale: that models an endpoint with a fixed latency.
package gate

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"
)

// DegradeCap is the largest w that still adds to the hold time.
const DegradeCap = 10

// ErrOverloaded is returned by Do when the queue already holds MaxWaiting requests.
var ErrOverloaded = errors.New("gate: too many requests waiting")

// Config describes one gate.
type Config struct {
	Capacity   int           // slots; 0 means unlimited (fixed latency)
	MinDelay   time.Duration // D: hold time with an empty queue
	Step       time.Duration // S: extra hold per request queued behind, up to DegradeCap
	Scale      float64       // multiplies every hold time; 0 means no sleeping
	MaxWaiting int           // 0 means unlimited; else Do rejects when this many already wait
	// Notify, if set, is called after every change of the counters,
	// outside the gate's lock. It must return at once.
	Notify func()
}

// Stats is a snapshot of a gate's counters.
type Stats struct {
	InFlight     int `json:"in_flight"`      // requests holding a slot now
	Waiting      int `json:"waiting"`        // requests queued for a slot now
	PeakInFlight int `json:"peak_in_flight"` // most InFlight at once since the last reset
	PeakWaiting  int `json:"peak_waiting"`   // most Waiting at once since the last reset
	Served       int `json:"served"`         // requests answered
	Degraded     int `json:"degraded"`       // answered with w > 0: held longer than the minimum
	Rejected     int `json:"rejected"`       // turned away because MaxWaiting were already waiting
}

// Gate is a FIFO queue in front of a fixed number of slots. It is safe for
// concurrent use.
type Gate struct {
	cfg Config

	mu     sync.Mutex
	queue  []*waiter // FIFO; index 0 is the head
	stats  Stats
	recent recentLatencies
}

// waiter is one queued request; ready receives w when a slot is handed over.
type waiter struct {
	ready chan int
}

// New returns a gate for cfg. It panics on negative values, which are
// programming errors; callers validate user input first.
func New(cfg Config) *Gate {
	if cfg.Capacity < 0 || cfg.MinDelay < 0 || cfg.Step < 0 || cfg.Scale < 0 || cfg.MaxWaiting < 0 {
		panic("gate: negative config value")
	}
	return &Gate{cfg: cfg}
}

// Capacity is the number of slots; 0 means unlimited (a fixed latency).
func (g *Gate) Capacity() int { return g.cfg.Capacity }

// MaxWaiting is the most requests that may wait; 0 means unlimited.
func (g *Gate) MaxWaiting() int { return g.cfg.MaxWaiting }

// Hold returns the time a request holds its slot when w requests are queued
// behind it.
func (g *Gate) Hold(w int) time.Duration {
	d := g.cfg.MinDelay + g.cfg.Step*time.Duration(min(w, DegradeCap))
	return time.Duration(math.Round(float64(d) * g.cfg.Scale))
}

// RetryAfter suggests how long a rejected client should wait before trying
// again: the time the current queue needs to drain, at least one second.
func (g *Gate) RetryAfter() time.Duration {
	g.mu.Lock()
	waiting := len(g.queue)
	g.mu.Unlock()
	rounds := 1
	if g.cfg.Capacity > 0 {
		rounds += waiting / g.cfg.Capacity
	}
	d := time.Duration(rounds) * g.Hold(DegradeCap)
	return max(d, time.Second)
}

// Do takes a slot (queueing for it if needed), holds it for the modelled time
// and releases it. It returns w, the number of requests that were queued behind
// this one when it got its slot. It returns ErrOverloaded without queueing if
// MaxWaiting requests already wait, and ctx's error if ctx ends while queued or
// holding. The slot is always released. The time from the call to the release
// of a served request counts in Recent.
func (g *Gate) Do(ctx context.Context) (w int, err error) {
	start := time.Now()
	w, err = g.acquire(ctx)
	g.notify()
	if err != nil {
		return 0, err
	}
	if hold := g.Hold(w); hold > 0 {
		err = sleep(ctx, hold)
	}
	g.release(err == nil, w > 0, start)
	g.notify()
	return w, err
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *Gate) notify() {
	if g.cfg.Notify != nil {
		g.cfg.Notify()
	}
}

// acquire returns w once the caller owns a slot.
func (g *Gate) acquire(ctx context.Context) (int, error) {
	g.mu.Lock()
	if g.cfg.Capacity == 0 || (g.stats.InFlight < g.cfg.Capacity && len(g.queue) == 0) {
		g.stats.InFlight++
		g.stats.PeakInFlight = max(g.stats.PeakInFlight, g.stats.InFlight)
		g.mu.Unlock()
		return 0, nil
	}
	if g.cfg.MaxWaiting > 0 && len(g.queue) >= g.cfg.MaxWaiting {
		g.stats.Rejected++
		g.mu.Unlock()
		return 0, ErrOverloaded
	}
	me := &waiter{ready: make(chan int, 1)}
	g.queue = append(g.queue, me)
	g.stats.Waiting = len(g.queue)
	g.stats.PeakWaiting = max(g.stats.PeakWaiting, g.stats.Waiting)
	g.mu.Unlock()
	g.notify() // the queue grew; Do notifies again once a slot is ours

	select {
	case w := <-me.ready:
		return w, nil
	case <-ctx.Done():
		g.mu.Lock()
		removed := g.remove(me)
		g.mu.Unlock()
		if removed {
			return 0, ctx.Err()
		}
		// The slot was handed over while we gave up: pass it on.
		<-me.ready
		g.release(false, false, time.Time{})
		return 0, ctx.Err()
	}
}

// remove deletes me from the queue; it reports false if me was no longer
// queued. g.mu must be held.
func (g *Gate) remove(me *waiter) bool {
	for i, q := range g.queue {
		if q == me {
			g.queue = append(g.queue[:i], g.queue[i+1:]...)
			g.stats.Waiting = len(g.queue)
			return true
		}
	}
	return false
}

// release counts the finished request (which entered the gate at start) and
// hands its slot to the head of the queue, telling it how many requests still
// wait behind it.
func (g *Gate) release(served, degraded bool, start time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if served {
		now := time.Now()
		g.recent.add(now, now.Sub(start))
		g.stats.Served++
		if degraded {
			g.stats.Degraded++
		}
	}
	if len(g.queue) == 0 {
		g.stats.InFlight--
		return
	}
	next := g.queue[0]
	g.queue[0] = nil
	g.queue = g.queue[1:]
	g.stats.Waiting = len(g.queue)
	next.ready <- len(g.queue) // buffered: never blocks; the slot stays in flight
}

// Recent returns the latencies (arrival to answer) of the requests served
// in about the last RecentWindow.
func (g *Gate) Recent() Latencies {
	now := time.Now()
	g.mu.Lock()
	n, samples := g.recent.collect(now, nil)
	g.mu.Unlock()
	return summarize(n, samples)
}

// Stats returns a snapshot of the counters.
func (g *Gate) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

// ResetStats zeroes the counters, forgets the recent latencies and sets the
// peaks to the current values.
func (g *Gate) ResetStats() {
	defer g.notify()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.recent.reset()
	g.stats = Stats{
		InFlight:     g.stats.InFlight,
		Waiting:      g.stats.Waiting,
		PeakInFlight: g.stats.InFlight,
		PeakWaiting:  g.stats.Waiting,
	}
}
