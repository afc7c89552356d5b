// Package gate models an overloaded backend: a fixed number of slots, a FIFO
// queue in front of them, and a hold time that grows with the queue.
//
// A request queues for one of Capacity slots. When a slot is handed to it, w is
// the number of requests still queued behind it (0 if it found a free slot).
// It then holds the slot for (MinDelay + Step*min(w, DegradeCap)) * Scale and
// releases it. A gate with Capacity 0 has unlimited slots and always holds for
// MinDelay * Scale: that models an endpoint with a fixed latency.
//
// A gate counts its requests in total and, for requests that name their
// client, per client (see DoAs and ClientStats), for a bounded number of
// clients.
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

// Errors of Do.
var (
	// ErrOverloaded is returned when the queue already holds MaxWaiting requests.
	ErrOverloaded = errors.New("gate: too many requests waiting")
	// ErrDropped is returned to a queued request that a reset took out of
	// the queue (see ResetStats and ResetClient).
	ErrDropped = errors.New("gate: dropped from the queue by a reset")
)

// Config describes one gate.
type Config struct {
	Capacity   int           // slots; 0 means unlimited (fixed latency)
	MinDelay   time.Duration // D: hold time with an empty queue
	Step       time.Duration // S: extra hold per request queued behind, up to DegradeCap
	Scale      float64       // multiplies every hold time; 0 means no sleeping
	MaxWaiting int           // 0 means unlimited; else Do rejects when this many already wait
	// MaxClients bounds how many clients are counted apart; requests of
	// further clients count under OtherClients. 0 means none are.
	MaxClients int
	// Notify, if set, is called after every change of the counters,
	// outside the gate's lock. It must return at once.
	Notify func()
}

// hold is the time a request holds its slot when w requests are queued
// behind it: (MinDelay + Step*min(w, DegradeCap)) * Scale, rounded to the
// nanosecond. The gate and Predict both use it.
func (c Config) hold(w int) time.Duration {
	d := c.MinDelay + c.Step*time.Duration(min(w, DegradeCap))
	return time.Duration(math.Round(float64(d) * c.Scale))
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

	mu      sync.Mutex
	queue   []*waiter // FIFO; index 0 is the head
	stats   Stats
	clients clientCounts
	recent  recentLatencies
}

// waiter is one queued request; ready receives w when a slot is handed
// over, or dropped when a reset takes it out of the queue.
type waiter struct {
	ready  chan int
	client string // the name the request gave, "" for none
	counts *Stats // its client's counters, nil for none
}

// dropped, sent on a waiter's ready channel, tells it a reset dropped it.
const dropped = -1

// New returns a gate for cfg. It panics on negative values, which are
// programming errors; callers validate user input first.
func New(cfg Config) *Gate {
	if cfg.Capacity < 0 || cfg.MinDelay < 0 || cfg.Step < 0 || cfg.Scale < 0 || cfg.MaxWaiting < 0 || cfg.MaxClients < 0 {
		panic("gate: negative config value")
	}
	return &Gate{cfg: cfg, clients: clientCounts{max: cfg.MaxClients}}
}

// Capacity is the number of slots; 0 means unlimited (a fixed latency).
func (g *Gate) Capacity() int { return g.cfg.Capacity }

// MaxWaiting is the most requests that may wait; 0 means unlimited.
func (g *Gate) MaxWaiting() int { return g.cfg.MaxWaiting }

// Hold returns the time a request holds its slot when w requests are queued
// behind it.
func (g *Gate) Hold(w int) time.Duration { return g.cfg.hold(w) }

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
// MaxWaiting requests already wait, ErrDropped if a reset takes it out of
// the queue, and ctx's error if ctx ends while queued or holding. The slot is
// always released. The time from the call to the release of a served request
// counts in Recent.
func (g *Gate) Do(ctx context.Context) (w int, err error) { return g.DoAs(ctx, "", nil) }

// DoAs is Do for a request of the named client ("" for none), counted in
// ClientStats too, that runs work (if not nil) once it holds its slot. The
// hold time starts when the slot is handed over, so work's own time is part
// of it (a hold shorter than work lasts as long as work).
func (g *Gate) DoAs(ctx context.Context, client string, work func()) (w int, err error) {
	start := time.Now()
	w, counts, err := g.acquire(ctx, client)
	g.notify()
	if err != nil {
		return 0, err
	}
	hold := g.Hold(w)
	if work != nil {
		began := time.Now()
		work()
		hold -= time.Since(began)
	}
	if hold > 0 {
		err = sleep(ctx, hold)
	}
	g.release(counts, err == nil, w > 0, start)
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

// acquire returns w, and the client's counters, once the caller owns a slot.
func (g *Gate) acquire(ctx context.Context, client string) (int, *Stats, error) {
	g.mu.Lock()
	counts := g.clients.of(client)
	if g.cfg.Capacity == 0 || (g.stats.InFlight < g.cfg.Capacity && len(g.queue) == 0) {
		enter(&g.stats, counts)
		g.mu.Unlock()
		return 0, counts, nil
	}
	if g.cfg.MaxWaiting > 0 && len(g.queue) >= g.cfg.MaxWaiting {
		g.stats.Rejected++
		if counts != nil {
			counts.Rejected++
		}
		g.mu.Unlock()
		return 0, counts, ErrOverloaded
	}
	me := &waiter{ready: make(chan int, 1), client: client, counts: counts}
	g.queue = append(g.queue, me)
	queue(&g.stats, counts)
	g.mu.Unlock()
	g.notify() // the queue grew; Do notifies again once a slot is ours

	select {
	case w := <-me.ready:
		if w == dropped {
			return 0, counts, ErrDropped
		}
		return w, counts, nil
	case <-ctx.Done():
		g.mu.Lock()
		removed := g.remove(me)
		g.mu.Unlock()
		if removed {
			return 0, counts, ctx.Err()
		}
		// The slot was handed over (or the request dropped) while we gave
		// up: pass a slot on.
		if <-me.ready != dropped {
			g.release(counts, false, false, time.Time{})
		}
		return 0, counts, ctx.Err()
	}
}

// enter counts a request taking a slot in the gate's and its client's
// counters (counts may be nil).
func enter(stats, counts *Stats) {
	for _, s := range []*Stats{stats, counts} {
		if s != nil {
			s.InFlight++
			s.PeakInFlight = max(s.PeakInFlight, s.InFlight)
		}
	}
}

// queue counts a request joining the queue.
func queue(stats, counts *Stats) {
	for _, s := range []*Stats{stats, counts} {
		if s != nil {
			s.Waiting++
			s.PeakWaiting = max(s.PeakWaiting, s.Waiting)
		}
	}
}

// unqueue counts a request leaving the queue without a slot.
func unqueue(stats, counts *Stats) {
	stats.Waiting--
	if counts != nil {
		counts.Waiting--
	}
}

// remove deletes me from the queue; it reports false if me was no longer
// queued. g.mu must be held.
func (g *Gate) remove(me *waiter) bool {
	for i, q := range g.queue {
		if q == me {
			g.queue = append(g.queue[:i], g.queue[i+1:]...)
			unqueue(&g.stats, me.counts)
			return true
		}
	}
	return false
}

// release counts the finished request (which entered the gate at start) and
// hands its slot to the head of the queue, telling it how many requests still
// wait behind it.
func (g *Gate) release(counts *Stats, served, degraded bool, start time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if served {
		now := time.Now()
		g.recent.add(now, now.Sub(start))
		for _, s := range []*Stats{&g.stats, counts} {
			if s != nil {
				s.Served++
				if degraded {
					s.Degraded++
				}
			}
		}
	}
	g.stats.InFlight--
	if counts != nil {
		counts.InFlight--
	}
	if len(g.queue) == 0 {
		return
	}
	next := g.queue[0]
	g.queue[0] = nil
	g.queue = g.queue[1:]
	unqueue(&g.stats, next.counts)
	enter(&g.stats, next.counts)
	next.ready <- len(g.queue) // buffered: never blocks
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

// ResetStats drops every queued request (its Do returns ErrDropped), zeroes
// the counters, the clients' too, and forgets the recent latencies. The
// requests holding a slot finish as usual; the peaks restart from them.
func (g *Gate) ResetStats() {
	defer g.notify()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.drop(func(*waiter) bool { return true })
	g.recent.reset()
	g.stats = restart(g.stats)
	g.clients.reset("")
}

// ResetClient is ResetStats for one client's requests: it drops the queued
// requests that gave that name and zeroes that client's counters. The
// gate's own counters are zeroed too (the peaks restart from the requests
// still there, other clients' queued ones included), so that a client
// measuring a run of its own reads them from zero; other clients' counters
// are left alone.
func (g *Gate) ResetClient(name string) {
	if name == "" {
		g.ResetStats()
		return
	}
	defer g.notify()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.drop(func(w *waiter) bool { return w.client == name })
	g.recent.reset()
	g.stats = restart(g.stats)
	g.clients.reset(name)
}

// drop takes the queued requests that match out of the queue and tells
// each it was dropped. g.mu must be held.
func (g *Gate) drop(match func(*waiter) bool) {
	kept := g.queue[:0]
	for _, w := range g.queue {
		if !match(w) {
			kept = append(kept, w)
			continue
		}
		unqueue(&g.stats, w.counts)
		w.ready <- dropped // buffered: never blocks
	}
	clear(g.queue[len(kept):])
	g.queue = kept
}

// restart returns s with its totals zeroed and its peaks at the current
// values.
func restart(s Stats) Stats {
	return Stats{InFlight: s.InFlight, Waiting: s.Waiting, PeakInFlight: s.InFlight, PeakWaiting: s.Waiting}
}
