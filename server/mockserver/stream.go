package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/go-async-workshop/workshop/server/gate"
)

// Limits and cadence of GET /stats/stream.
const (
	MaxStreams         = 100                    // streams open at once; more get 503
	StreamMinInterval  = 100 * time.Millisecond // events come at most this often
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

// StreamWriteTimeout bounds one write of an event to one stream. A client
// that has not read for so long that its connection's buffers are full is
// dropped rather than allowed to hold the others up.
const StreamWriteTimeout = 250 * time.Millisecond

// streamHub sends every open stream the same snapshots. One loop, running
// only while a stream is open, takes a snapshot whenever a gate changes (at
// most every StreamMinInterval) and otherwise every StreamBusyInterval or
// StreamHeartbeat, encodes it once and writes it to each stream's
// connection itself: an event costs one write per stream and wakes no
// other goroutine.
type streamHub struct {
	snapshot func() Snapshot
	changed  chan struct{} // a gate changed since the last snapshot
	pending  atomic.Bool   // a signal is in changed or about to be

	mu       sync.Mutex
	subs     map[*subscriber]struct{} // streams receiving events
	admitted int                      // streams whose handler runs: subs and those still starting
	last     []byte                   // the last event sent, framed; a new stream starts with it
	closed   bool                     // shutting down: no new streams
	stop     chan struct{}            // closed to stop the running loop; nil when none runs
	loops    sync.WaitGroup
	open     sync.WaitGroup // streams whose handler still runs
}

// subscriber is one open stream: the hijacked connection of a
// GET /stats/stream request. Only the hub writes to it, holding mu; gone
// marks a connection its handler has let go of.
type subscriber struct {
	mu   sync.Mutex
	conn net.Conn
	gone bool
}

// write sends a framed event, and cuts the stream off if it cannot.
func (sub *subscriber) write(frame []byte) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.gone {
		return
	}
	_ = sub.conn.SetWriteDeadline(time.Now().Add(StreamWriteTimeout))
	if _, err := sub.conn.Write(frame); err != nil {
		sub.cut()
	}
}

// cut wakes the stream's handler (blocked reading the connection), which
// then ends the stream. sub.mu must be held and the stream not gone: the
// HTTP engine reuses a connection's wrapper once the handler has returned.
func (sub *subscriber) cut() {
	_ = sub.conn.SetReadDeadline(time.Now())
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

// join tells whether a stream may open now; the connection's handler,
// serve, checks again when it starts.
func (h *streamHub) join() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.full()
}

// full tells why no stream may start now, or nil. A stream counts from the
// moment it is admitted, while its header is still being written, so the
// limit holds however slowly streams start. h.mu must be held.
func (h *streamHub) full() error {
	switch {
	case h.closed:
		return errShuttingDown
	case h.admitted >= MaxStreams:
		return errTooManyStreams
	}
	return nil
}

// serve runs a stream on conn until the client goes or the hub closes: it
// writes the response header and the last event, registers the stream, and
// reads the connection (a client sends nothing more, so the read ends when
// it goes, or when the hub cuts it off).
func (h *streamHub) serve(conn net.Conn) {
	h.mu.Lock()
	if err := h.full(); err != nil { // others joined meanwhile, or shutting down
		h.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(StreamWriteTimeout))
		_, _ = conn.Write(refusal(err))
		return
	}
	h.admitted++
	h.open.Add(1)
	first := append(streamHeader(), h.last...)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.admitted--
		h.mu.Unlock()
		h.open.Done()
	}()

	sub := &subscriber{conn: conn}
	sub.write(first)
	h.mu.Lock()
	if h.closed { // closed while the header was written
		h.mu.Unlock()
		sub.write(lastChunk)
		return
	}
	h.subs[sub] = struct{}{}
	running := h.stop != nil
	if !running { // the loop starts with a snapshot
		h.stop = make(chan struct{})
		h.loops.Add(1)
		go h.loop(h.stop)
	}
	h.mu.Unlock()
	if running {
		h.notify() // a fresh snapshot soon, not at the next heartbeat
	}
	_, _ = io.Copy(io.Discard, conn)

	sub.mu.Lock()
	sub.gone = true
	sub.mu.Unlock()
	h.mu.Lock()
	delete(h.subs, sub)
	if len(h.subs) == 0 && h.stop != nil {
		close(h.stop)
		h.stop, h.last = nil, nil // the next stream starts with a fresh snapshot
	}
	h.mu.Unlock()
}

// refusal is the whole answer of a stream refused after all, when others
// joined or the server began to shut down between the check and the start:
// the 503 with its JSON detail that the handler would have given.
func refusal(err error) []byte {
	var fe *fiber.Error
	if !errors.As(err, &fe) {
		fe = errShuttingDown
	}
	body := fmt.Sprintf(`{"detail":%q}`, fe.Message)
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}

// streamHeader is the start of every stream: the response header (the body
// is chunked, so proxies pass each event on as it comes) and the browser's
// reconnection delay.
func streamHeader() []byte {
	b := []byte("HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/event-stream\r\n" +
		"Cache-Control: no-cache\r\n" +
		"X-Accel-Buffering: no\r\n" + // a proxy in front must not hold events back
		"Connection: close\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n")
	return append(b, chunk([]byte(fmt.Sprintf("retry: %d\n\n", StreamRetry.Milliseconds())))...)
}

// lastChunk ends a chunked body.
var lastChunk = []byte("0\r\n\r\n")

// chunk frames p as one chunk of a chunked body.
func chunk(p []byte) []byte {
	b := fmt.Appendf(nil, "%x\r\n", len(p))
	b = append(b, p...)
	return append(b, "\r\n"...)
}

// event frames one snapshot as a chunk holding one SSE event.
func event(msg []byte) []byte {
	p := make([]byte, 0, len(msg)+8)
	p = append(p, "data: "...)
	p = append(p, msg...)
	p = append(p, "\n\n"...)
	return chunk(p)
}

// openStreams returns the number of open streams, counting those starting.
func (h *streamHub) openStreams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.admitted
}

// close ends every stream (with the chunked body's last chunk, so clients see
// a clean end), refuses new ones, and waits for the loop and the streams'
// handlers to stop.
func (h *streamHub) close() {
	h.mu.Lock()
	h.closed = true
	subs := make([]*subscriber, 0, len(h.subs))
	for sub := range h.subs {
		subs = append(subs, sub)
	}
	if h.stop != nil {
		close(h.stop)
		h.stop = nil
	}
	h.mu.Unlock()
	h.loops.Wait()
	for _, sub := range subs {
		sub.write(lastChunk)
		sub.mu.Lock()
		if !sub.gone {
			sub.cut()
		}
		sub.mu.Unlock()
	}
	h.open.Wait()
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
			h.broadcast(event(msg))
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

// broadcast writes a framed event to every open stream.
func (h *streamHub) broadcast(frame []byte) {
	h.mu.Lock()
	h.last = frame
	subs := make([]*subscriber, 0, len(h.subs))
	for sub := range h.subs {
		subs = append(subs, sub)
	}
	h.mu.Unlock()
	for _, sub := range subs {
		sub.write(frame)
	}
}

// statsStream answers GET /stats/stream with Server-Sent Events, one
// Snapshot as JSON per event, until the client goes or the server shuts
// down. The connection is taken over from the HTTP engine (hijacked), so the
// hub writes events to it directly and a shutdown does not wait for it.
func (s *Server) statsStream(c *fiber.Ctx) error {
	if err := s.streams.join(); err != nil {
		if errors.Is(err, errTooManyStreams) {
			c.Set(fiber.HeaderRetryAfter, "5")
		}
		return err
	}
	c.Context().HijackSetNoResponse(true)
	c.Context().Hijack(s.streams.serve)
	return nil
}

// OpenStreams returns the number of open GET /stats/stream responses.
func (s *Server) OpenStreams() int { return s.streams.openStreams() }
