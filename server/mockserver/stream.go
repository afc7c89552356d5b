package mockserver

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/go-async-workshop/workshop/server/gate"
)

// Limits and cadence of GET /stats/stream.
const (
	MaxStreams         = 100                    // streams open at once; more get 503
	StreamMinInterval  = 50 * time.Millisecond  // events come at most this often
	StreamBusyInterval = 200 * time.Millisecond // and at least this often while a gate is busy
	StreamHeartbeat    = time.Second            // and at least this often while all are idle
	StreamRetry        = time.Second            // the browser's reconnection delay (SSE "retry:")
)

// GateOrder is the order of the gates in snapshots and on the dashboard:
// the two that model the overloaded backend first.
var GateOrder = []string{StatVideo, StatTranscript, StatVideosList, StatPatch, StatPosts, StatTiles, StatWeather}

// Snapshot is one event of GET /stats/stream: every gate at one moment.
type Snapshot struct {
	Time         time.Time               `json:"time"`
	LatencyScale float64                 `json:"latency_scale"`
	MaxWaiting   int                     `json:"max_waiting"` // 0 = unlimited
	Gates        map[string]GateSnapshot `json:"gates"`
}

// GateSnapshot is one gate in a Snapshot.
type GateSnapshot struct {
	Capacity int `json:"capacity"` // slots; 0 = unlimited (a fixed latency)
	gate.Stats
	RecentServed int      `json:"recent_served"` // requests answered in the last second
	P50ms        *float64 `json:"p50_ms"`        // their median latency (arrival to answer); null if none
	P95ms        *float64 `json:"p95_ms"`        // their 95th percentile; null if none
}

// busy reports whether a gate holds or queues requests or answered some in
// the last second: then its figures change as time passes.
func (s Snapshot) busy() bool {
	for _, g := range s.Gates {
		if g.InFlight > 0 || g.Waiting > 0 || g.RecentServed > 0 {
			return true
		}
	}
	return false
}

// Snapshot returns the state of every gate now.
func (s *Server) Snapshot() Snapshot {
	snap := Snapshot{
		Time:         time.Now().UTC(),
		LatencyScale: s.cfg.LatencyScale,
		MaxWaiting:   s.cfg.MaxWaiting,
		Gates:        make(map[string]GateSnapshot, len(s.gates)),
	}
	for name, g := range s.gates {
		r := g.Recent()
		gs := GateSnapshot{Capacity: g.Capacity(), Stats: g.Stats(), RecentServed: r.Count}
		if r.Count > 0 {
			gs.P50ms, gs.P95ms = millis(r.P50), millis(r.P95)
		}
		snap.Gates[name] = gs
	}
	return snap
}

// millis converts d to milliseconds, rounded to a tenth.
func millis(d time.Duration) *float64 {
	ms := math.Round(float64(d)/float64(time.Millisecond)*10) / 10
	return &ms
}

// Errors of joining the stream hub.
var (
	errTooManyStreams = fiber.NewError(fiber.StatusServiceUnavailable, fmt.Sprintf("too many open streams (at most %d): close a dashboard and retry", MaxStreams))
	errShuttingDown   = fiber.NewError(fiber.StatusServiceUnavailable, "the server is shutting down")
)

// streamHub sends every open stream the same encoded snapshots. One loop,
// running only while a stream is open, takes a snapshot whenever a gate
// changes (at most every StreamMinInterval) and otherwise every
// StreamBusyInterval or StreamHeartbeat.
type streamHub struct {
	snapshot func() Snapshot
	changed  chan struct{} // a gate changed since the last snapshot
	pending  atomic.Bool   // a signal is in changed or about to be

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
	stop   chan struct{} // closed to stop the running loop; nil when none runs
	loops  sync.WaitGroup
}

// subscriber is one open stream; ch holds the latest event not yet written.
type subscriber struct {
	ch chan []byte
}

func newStreamHub(snapshot func() Snapshot) *streamHub {
	return &streamHub{snapshot: snapshot, changed: make(chan struct{}, 1), subs: map[*subscriber]struct{}{}}
}

// notify tells the hub that a gate changed. It never blocks; under load it
// costs one atomic load per call.
func (h *streamHub) notify() {
	if !h.pending.Load() && h.pending.CompareAndSwap(false, true) {
		select {
		case h.changed <- struct{}{}:
		default:
		}
	}
}

// join opens a stream, starting the loop if it is the first.
func (h *streamHub) join() (*subscriber, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return nil, errShuttingDown
	case len(h.subs) >= MaxStreams:
		return nil, errTooManyStreams
	}
	sub := &subscriber{ch: make(chan []byte, 1)}
	h.subs[sub] = struct{}{}
	if h.stop == nil {
		h.stop = make(chan struct{})
		h.loops.Add(1)
		go h.loop(h.stop)
	} else {
		h.notify() // the newcomer gets a snapshot soon, not at the next heartbeat
	}
	return sub, nil
}

// leave closes a stream, stopping the loop if it was the last.
func (h *streamHub) leave(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, sub)
	if len(h.subs) == 0 && h.stop != nil {
		close(h.stop)
		h.stop = nil
	}
}

// open returns the number of open streams.
func (h *streamHub) open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// close ends every stream, refuses new ones and waits for the loop to stop.
func (h *streamHub) close() {
	h.mu.Lock()
	h.closed = true
	for sub := range h.subs {
		close(sub.ch)
		delete(h.subs, sub)
	}
	if h.stop != nil {
		close(h.stop)
		h.stop = nil
	}
	h.mu.Unlock()
	h.loops.Wait()
}

// loop broadcasts snapshots until stop is closed.
func (h *streamHub) loop(stop chan struct{}) {
	defer h.loops.Done()
	timer := time.NewTimer(StreamMinInterval)
	defer timer.Stop()
	for {
		h.pending.Store(false)
		snap := h.snapshot()
		if msg, err := json.Marshal(snap); err == nil {
			h.broadcast(msg)
		}
		wait := StreamHeartbeat
		if snap.busy() {
			wait = StreamBusyInterval
		}
		// Never faster than StreamMinInterval, then the next change or the
		// end of wait, whichever comes first.
		timer.Reset(StreamMinInterval)
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		timer.Reset(wait - StreamMinInterval)
		select {
		case <-stop:
			return
		case <-h.changed:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// broadcast hands msg to every stream, replacing an event a slow stream has
// not written yet: a stream always writes the latest state.
func (h *streamHub) broadcast(msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		select {
		case sub.ch <- msg:
			continue
		default:
		}
		select {
		case <-sub.ch:
		default:
		}
		sub.ch <- msg // only the hub sends, under h.mu: there is room now
	}
}

// statsStream answers GET /stats/stream with Server-Sent Events, one
// Snapshot as JSON per event, until the client goes or the server shuts down.
func (s *Server) statsStream(c *fiber.Ctx) error {
	sub, err := s.streams.join()
	if errors.Is(err, errTooManyStreams) {
		c.Set(fiber.HeaderRetryAfter, "5")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no") // a proxy in front must not hold events back
	c.Context().SetConnectionClose() // the connection ends with the stream
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.streams.leave(sub)
		fmt.Fprintf(w, "retry: %d\n\n", StreamRetry.Milliseconds())
		if w.Flush() != nil {
			return
		}
		for msg := range sub.ch {
			_, _ = w.WriteString("data: ")
			_, _ = w.Write(msg)
			_, _ = w.WriteString("\n\n")
			if w.Flush() != nil {
				return // the client has gone
			}
		}
	})
	return nil
}

// OpenStreams returns the number of open GET /stats/stream responses.
func (s *Server) OpenStreams() int { return s.streams.open() }
