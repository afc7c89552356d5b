package mockserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// hubStream opens a stream on h over an in-memory connection and records
// when each event arrives, until the stream ends.
func hubStream(t *testing.T, h *streamHub, key string) (client net.Conn, times chan time.Duration) {
	t.Helper()
	if err := h.join(key); err != nil {
		t.Fatal(err)
	}
	server, client := net.Pipe()
	go func() {
		h.serve(server, key, false)
		server.Close() // as the HTTP engine does after the handler
	}()
	start := time.Now()
	times = make(chan time.Duration, 1000)
	go func() {
		defer close(times)
		r := bufio.NewReader(client)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var s snapshot
				if err := json.Unmarshal([]byte(data), &s); err != nil {
					t.Errorf("event %q: %v", data, err)
				}
				times <- time.Since(start)
			}
		}
	}()
	return client, times
}

// clientKey spreads streams over a few client addresses, so that tests of
// the overall limit stay under the per-client one.
func clientKey(i int) string { return fmt.Sprintf("10.0.0.%d", i%4) }

// TestHubCadence checks the cadence of events on virtual time: a heartbeat
// while idle, streamBusyInterval while busy, and a change at once.
func TestHubCadence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var busy atomic.Bool
		h := newStreamHub(func() snapshot {
			g := gateSnapshot{}
			if busy.Load() {
				g.InFlight = 1
			}
			return snapshot{Gates: map[string]gateSnapshot{"video": g}}
		})
		client, times := hubStream(t, h, "one")
		defer client.Close()

		idle := 3*streamHeartbeat + streamHeartbeat/2
		time.Sleep(idle) // idle: heartbeats only
		busy.Store(true)
		h.notify() // a change: an event at once (the last one was long ago)
		busyFor := 5*streamBusyInterval + streamBusyInterval/2
		time.Sleep(busyFor)
		busy.Store(false)
		h.notify()
		synctest.Wait()
		h.close()

		var got []time.Duration
		for d := range times {
			got = append(got, d)
		}
		want := []time.Duration{0, streamHeartbeat, 2 * streamHeartbeat, 3 * streamHeartbeat}
		for d := idle; d < idle+busyFor; d += streamBusyInterval {
			want = append(want, d)
		}
		want = append(want, idle+busyFor) // the change back to idle
		if len(got) != len(want) {
			t.Fatalf("events at %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("events at %v, want %v", got, want)
			}
		}
	})
}

// TestHubCoalesces sends a storm of changes: events still come at most
// every streamMinInterval.
func TestHubCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newStreamHub(func() snapshot { return snapshot{} })
		client, times := hubStream(t, h, "one")
		defer client.Close()
		stop := time.Now().Add(time.Second)
		for time.Now().Before(stop) {
			h.notify()
			time.Sleep(time.Millisecond)
		}
		h.close()
		n, last := 0, time.Duration(-1)
		for d := range times {
			if last >= 0 && d-last < streamMinInterval {
				t.Errorf("events %v apart, want at least %v", d-last, streamMinInterval)
			}
			last = d
			n++
		}
		if want := int(time.Second / streamMinInterval); n < want-1 || n > want+1 {
			t.Errorf("%d events in a second of changes, want about %d", n, want)
		}
	})
}

// TestHubLimitAndClose fills the hub, checks the limit, and that close ends
// every stream cleanly, stops the loop and refuses new streams.
func TestHubLimitAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newStreamHub(func() snapshot { return snapshot{} })
		type open struct {
			client net.Conn
			times  chan time.Duration
		}
		streams := make([]open, maxStreams)
		for i := range streams {
			streams[i].client, streams[i].times = hubStream(t, h, clientKey(i))
		}
		synctest.Wait()
		if n := h.openStreams(); n != maxStreams {
			t.Fatalf("%d streams open, want %d", n, maxStreams)
		}
		if err := h.join("new"); err != errTooManyStreams {
			t.Fatalf("stream %d: err %v, want errTooManyStreams", maxStreams+1, err)
		}
		streams[0].client.Close() // a client goes: its place frees up at once
		for range streams[0].times {
		}
		synctest.Wait()
		if err := h.join("new"); err != nil {
			t.Fatalf("after one left: %v", err)
		}
		streams[0].client, streams[0].times = hubStream(t, h, clientKey(0))
		synctest.Wait()

		h.close()
		for _, s := range streams {
			for range s.times { // each stream ends
			}
			s.client.Close()
		}
		if err := h.join("new"); err != errShuttingDown {
			t.Errorf("after close: err %v, want errShuttingDown", err)
		}
		if n := h.openStreams(); n != 0 {
			t.Errorf("%d streams open after close", n)
		}
		// synctest.Test fails if the loop or a handler is still running.
	})
}

// TestHubLimitCountsStartingStreams: a stream counts against maxStreams
// from the moment it is admitted, not once its client has read the header.
// The last stream's client here has not read yet, so its handler is still
// writing the header when one more stream asks to start: that one is
// refused, by join and by serve.
func TestHubLimitCountsStartingStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newStreamHub(func() snapshot { return snapshot{} })
		var clients []net.Conn
		for i := range maxStreams - 1 {
			c, _ := hubStream(t, h, clientKey(i))
			clients = append(clients, c)
		}
		synctest.Wait()
		if err := h.join("new"); err != nil {
			t.Fatal(err)
		}
		slowServer, slow := net.Pipe() // nobody reads yet
		go func() { h.serve(slowServer, "slow", false); slowServer.Close() }()
		synctest.Wait() // its handler is blocked writing the header
		if n := h.openStreams(); n != maxStreams {
			t.Errorf("%d streams open, want %d (one still starting)", n, maxStreams)
		}
		if err := h.join("new"); err != errTooManyStreams {
			t.Errorf("stream %d while one starts: join says %v, want errTooManyStreams", maxStreams+1, err)
		}
		extraServer, extra := net.Pipe()
		go func() { h.serve(extraServer, "extra", false); extraServer.Close() }()
		_ = extra.SetReadDeadline(time.Now().Add(streamHeartbeat)) // a stream admitted by mistake would never end
		answer, _ := io.ReadAll(extra)
		if !strings.HasPrefix(string(answer), "HTTP/1.1 503 ") || !strings.Contains(string(answer), `"detail":"too many open streams`) {
			t.Errorf("stream %d while one starts: serve answered %q, want the 503", maxStreams+1, answer)
		}
		extra.Close()

		go func() { _, _ = io.Copy(io.Discard, slow) }() // the slow client reads at last
		h.close()
		slow.Close()
		for _, c := range clients {
			c.Close()
		}
	})
}

// TestHubStreamFormat reads a stream's bytes: an HTTP response with a
// chunked body of SSE lines, ended by the last chunk on close.
func TestHubStreamFormat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newStreamHub(func() snapshot { return snapshot{LatencyScale: 1} })
		if err := h.join("new"); err != nil {
			t.Fatal(err)
		}
		server, client := net.Pipe()
		go func() { h.serve(server, "new", false); server.Close() }()
		var got bytes.Buffer
		done := make(chan struct{})
		go func() { _, _ = got.ReadFrom(client); close(done) }()
		synctest.Wait()
		h.close()
		<-done
		s := got.String()
		for _, want := range []string{
			"HTTP/1.1 200 OK\r\n", "Content-Type: text/event-stream\r\n", "Transfer-Encoding: chunked\r\n",
			"\r\n\r\nd\r\nretry: 1000\n\n\r\n", `data: {"time":`, "\n\n\r\n0\r\n\r\n",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("stream lacks %q:\n%q", want, s)
			}
		}
		if !strings.HasSuffix(s, "0\r\n\r\n") {
			t.Errorf("stream does not end with the last chunk: %q", s)
		}
	})
}

// TestHubStopsWhenLastLeaves: no loop runs while no stream is open.
func TestHubStopsWhenLastLeaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var snapshots atomic.Int64
		h := newStreamHub(func() snapshot { snapshots.Add(1); return snapshot{} })
		client, times := hubStream(t, h, "one")
		synctest.Wait()
		client.Close()
		for range times {
		}
		synctest.Wait()
		n := snapshots.Load()
		time.Sleep(10 * streamHeartbeat)
		if snapshots.Load() != n {
			t.Errorf("snapshots went on with no stream open")
		}
		h.close()
	})
}

// TestHubDropsAStuckClient: a client that stops reading is cut off after
// streamWriteTimeout, and the others go on.
func TestHubDropsAStuckClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newStreamHub(func() snapshot { return snapshot{} })
		if err := h.join("new"); err != nil {
			t.Fatal(err)
		}
		stuckServer, stuck := net.Pipe() // nobody reads: every write blocks
		served := make(chan struct{})
		go func() { h.serve(stuckServer, "stuck", false); stuckServer.Close(); close(served) }()
		reader, times := hubStream(t, h, "one")
		defer reader.Close()
		<-served // cut off after its first write timed out
		if n := h.openStreams(); n != 1 {
			t.Errorf("%d streams open, want the reading one", n)
		}
		time.Sleep(3 * streamHeartbeat)
		h.close()
		n := 0
		for range times {
			n++
		}
		if n < 3 {
			t.Errorf("the reading client got %d events, want one per heartbeat", n)
		}
		stuck.Close()
	})
}

// TestHubKeepsRoomForTheHost: with every stream taken by the room, the
// host of a shared server still opens the projected dashboard's.
func TestHubKeepsRoomForTheHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newStreamHub(func() snapshot { return snapshot{} })
		var clients []net.Conn
		for i := range maxStreams {
			c, _ := hubStream(t, h, clientKey(i))
			clients = append(clients, c)
		}
		synctest.Wait()
		if err := h.join("an attendee"); err != errTooManyStreams {
			t.Errorf("stream %d of the room: join says %v, want errTooManyStreams", maxStreams+1, err)
		}
		for range MaxStreamsPerClient {
			c, _ := hubStream(t, h, hostClient) // fails the test if refused
			clients = append(clients, c)
		}
		synctest.Wait()
		if err := h.join(hostClient); err != errTooManyFromClient {
			t.Errorf("the host's stream %d: join says %v, want errTooManyFromClient", MaxStreamsPerClient+1, err)
		}
		h.close()
		for _, c := range clients {
			c.Close()
		}
	})
}
