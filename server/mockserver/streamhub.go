package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Limits and cadence of GET /stats/stream.
const (
	maxStreams = 100 // streams open at once; more get 503
	// MaxStreamsPerClient bounds the streams of one client (one remote
	// address), so that one client cannot take every stream.
	MaxStreamsPerClient = maxStreams / 2
	streamMinInterval   = 100 * time.Millisecond // events come at most this often
	streamBusyInterval  = 200 * time.Millisecond // and at least this often while a gate is busy
	streamHeartbeat     = time.Second            // and at least this often while all are idle
	streamRetry         = time.Second            // the browser's reconnection delay (SSE "retry:")
	// streamWriteTimeout bounds one write of an event to one stream. A
	// client that has not read for so long that its connection's buffers
	// are full is dropped rather than allowed to hold the others up.
	streamWriteTimeout = 250 * time.Millisecond
	// streamStartTimeout bounds the first write of a stream (its header,
	// the history if asked for, the last event): up to a hundred kilobytes
	// after a busy minute. No other stream waits for it.
	streamStartTimeout = 5 * time.Second
)

// Errors of joining the stream hub.
var (
	errTooManyStreams    = fiber.NewError(fiber.StatusServiceUnavailable, fmt.Sprintf("too many open streams (at most %d): close a dashboard and retry", maxStreams))
	errTooManyFromClient = fiber.NewError(fiber.StatusServiceUnavailable, fmt.Sprintf("too many open streams from your address (at most %d): close a dashboard and retry", MaxStreamsPerClient))
	errShuttingDown      = fiber.NewError(fiber.StatusServiceUnavailable, "the server is shutting down")
)

// streamHub sends every open stream the same snapshots, and keeps the
// history a new stream may start with. One loop takes a snapshot whenever a
// gate changes (at most every streamMinInterval) and otherwise every
// streamBusyInterval or streamHeartbeat, records it in the history, encodes
// it once and writes it to each stream's connection itself: an event costs
// one write per stream and wakes no other goroutine. The loop runs while a
// stream is open or a gate is busy, and stops when neither is true.
type streamHub struct {
	take    func() snapshot
	changed chan struct{} // a gate changed since the last snapshot
	pending atomic.Bool   // a signal is in changed or about to be

	mu       sync.Mutex
	subs     map[*subscriber]struct{} // streams receiving events
	admitted int                      // streams whose handler runs: subs and those still starting
	byClient map[string]int           // admitted streams by client address
	last     []byte                   // the last event sent, framed; a new stream starts with it
	history  history
	closed   bool          // shutting down: no new streams, no loop
	stop     chan struct{} // closed to stop the running loop; nil when none runs
	loops    sync.WaitGroup
	open     sync.WaitGroup // streams whose handler still runs
}

// subscriber is one open stream: the hijacked connection of a
// GET /stats/stream request. Only the hub writes to it; gone marks a
// connection its handler has let go of.
type subscriber struct {
	mu   sync.Mutex
	conn net.Conn
	gone bool
}

// write sends a framed event within timeout, and cuts the stream off if it
// cannot.
func (sub *subscriber) write(frame []byte, timeout time.Duration) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.gone {
		return
	}
	_ = sub.conn.SetWriteDeadline(time.Now().Add(timeout))
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

func newStreamHub(take func() snapshot) *streamHub {
	return &streamHub{take: take, changed: make(chan struct{}, 1), subs: map[*subscriber]struct{}{}, byClient: map[string]int{}}
}

// notify tells the hub that a gate changed, and starts the loop if it is
// not running. It never blocks; under load it costs one atomic load per
// call.
func (h *streamHub) notify() {
	if !h.pending.Load() && h.pending.CompareAndSwap(false, true) {
		select {
		case h.changed <- struct{}{}:
		default:
		}
		h.mu.Lock()
		h.startLoop()
		h.mu.Unlock()
	}
}

// startLoop starts the loop unless it runs or the hub is closed. h.mu must
// be held.
func (h *streamHub) startLoop() {
	if h.stop == nil && !h.closed {
		h.stop = make(chan struct{})
		h.loops.Add(1)
		go h.loop(h.stop)
	}
}

// join tells whether a stream of the given client may open now; the
// connection's handler, serve, checks again when it starts.
func (h *streamHub) join(client string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.full(client)
}

// full tells why no stream of client may start now, or nil. A stream counts
// from the moment it is admitted, while its header is still being written,
// so the limits hold however slowly streams start. h.mu must be held.
func (h *streamHub) full(client string) error {
	switch {
	case h.closed:
		return errShuttingDown
	case h.admitted >= maxStreams && client != hostClient:
		return errTooManyStreams
	case h.byClient[client] >= MaxStreamsPerClient:
		return errTooManyFromClient
	}
	return nil
}

// serve runs a stream of client on conn until the client goes or the hub
// closes: it writes the response header, the history if asked for and the
// last event, registers the stream, and reads the connection (a client
// sends nothing more, so the read ends when it goes, or when the hub cuts
// it off).
func (h *streamHub) serve(conn net.Conn, client string, withHistory bool) {
	h.mu.Lock()
	if err := h.full(client); err != nil { // others joined meanwhile, or shutting down
		h.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		_, _ = conn.Write(refusal(err))
		return
	}
	h.admitted++
	h.byClient[client]++
	h.open.Add(1)
	var past []historyPoint
	if withHistory {
		past = h.history.since(time.Now().Add(-historyWindow))
	}
	last := h.last
	h.mu.Unlock()
	first := streamHeader()
	if withHistory {
		first = append(first, historyEvent(past)...)
	}
	first = append(first, last...)
	defer func() {
		h.mu.Lock()
		h.admitted--
		if h.byClient[client]--; h.byClient[client] == 0 {
			delete(h.byClient, client)
		}
		h.mu.Unlock()
		h.open.Done()
	}()

	sub := &subscriber{conn: conn}
	sub.write(first, streamStartTimeout)
	h.mu.Lock()
	if h.closed { // closed while the header was written
		h.mu.Unlock()
		sub.write(lastChunk, streamWriteTimeout)
		return
	}
	h.subs[sub] = struct{}{}
	running := h.stop != nil
	h.startLoop() // which starts with a snapshot
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
	h.mu.Unlock()
}

// historyEvent frames points as one event named "history", whose data is
// a JSON array of them.
func historyEvent(points []historyPoint) []byte {
	msg, err := json.Marshal(points)
	if err != nil {
		return nil
	}
	p := make([]byte, 0, len(msg)+32)
	p = append(p, "event: history\ndata: "...)
	p = append(p, msg...)
	p = append(p, "\n\n"...)
	return chunk(p)
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
		sub.write(lastChunk, streamWriteTimeout)
		sub.mu.Lock()
		if !sub.gone {
			sub.cut()
		}
		sub.mu.Unlock()
	}
	h.open.Wait()
}

// loop takes, records and broadcasts snapshots until stop is closed, or
// until no stream is open and every gate is idle.
func (h *streamHub) loop(stop chan struct{}) {
	defer h.loops.Done()
	timer := time.NewTimer(streamMinInterval)
	defer timer.Stop()
	busy := false
	for {
		if h.idle(stop, busy) {
			return
		}
		h.pending.Store(false)
		snap := h.take()
		busy = snap.busy()
		h.broadcast(snap)
		if h.idle(stop, busy) {
			return
		}
		wait := streamHeartbeat
		if busy {
			wait = streamBusyInterval
		}
		// Never faster than streamMinInterval, then the next change or the
		// end of wait, whichever comes first.
		timer.Reset(streamMinInterval)
		select {
		case <-stop:
			return
		case <-timer.C:
		}
		timer.Reset(wait - streamMinInterval)
		select {
		case <-stop:
			return
		case <-h.changed:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// idle reports whether the loop started with stop may end: no stream is
// open, the last snapshot was idle and no change is pending. Then it marks
// the loop stopped, so that the next change starts a new one.
func (h *streamHub) idle(stop chan struct{}, busy bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) > 0 || busy || h.pending.Load() {
		return false
	}
	if h.stop == stop {
		h.stop = nil
	}
	h.last = nil // stale by the time anyone asks: the next stream gets a fresh snapshot
	return true
}

// broadcast records snap in the history and writes it to every open
// stream.
func (h *streamHub) broadcast(snap snapshot) {
	msg, err := json.Marshal(snap)
	if err != nil {
		return
	}
	frame := event(msg)
	h.mu.Lock()
	h.history.add(snap)
	h.last = frame
	subs := make([]*subscriber, 0, len(h.subs))
	for sub := range h.subs {
		subs = append(subs, sub)
	}
	h.mu.Unlock()
	for _, sub := range subs {
		sub.write(frame, streamWriteTimeout)
	}
}
