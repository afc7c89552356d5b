package mockserver

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// hubEvents joins h and records when each event arrives, on virtual time,
// until the hub closes the stream.
func hubEvents(t *testing.T, h *streamHub) (times chan time.Duration) {
	t.Helper()
	sub, err := h.join()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	times = make(chan time.Duration, 1000)
	go func() {
		defer close(times)
		for msg := range sub.ch {
			var s Snapshot
			if err := json.Unmarshal(msg, &s); err != nil {
				t.Errorf("event %s: %v", msg, err)
			}
			times <- time.Since(start)
		}
	}()
	return times
}

// TestHubCadence checks the cadence of events on virtual time: a heartbeat
// while idle, StreamBusyInterval while busy, and a change within
// StreamMinInterval.
func TestHubCadence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var busy atomic.Bool
		h := newStreamHub(func() Snapshot {
			g := GateSnapshot{}
			if busy.Load() {
				g.InFlight = 1
			}
			return Snapshot{Gates: map[string]GateSnapshot{"video": g}}
		})
		times := hubEvents(t, h)

		idle := 3*StreamHeartbeat + StreamHeartbeat/2
		time.Sleep(idle) // idle: heartbeats only
		busy.Store(true)
		h.notify() // a change: an event at once (the last one was long ago)
		busyFor := 5*StreamBusyInterval + StreamBusyInterval/2
		time.Sleep(busyFor)
		busy.Store(false)
		h.notify()
		synctest.Wait()
		h.close()

		var got []time.Duration
		for d := range times {
			got = append(got, d)
		}
		want := []time.Duration{0, StreamHeartbeat, 2 * StreamHeartbeat, 3 * StreamHeartbeat}
		for d := idle; d < idle+busyFor; d += StreamBusyInterval {
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
// every StreamMinInterval.
func TestHubCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newStreamHub(func() Snapshot { return Snapshot{} })
		times := hubEvents(t, h)
		stop := time.Now().Add(time.Second)
		for time.Now().Before(stop) {
			h.notify()
			time.Sleep(time.Millisecond)
		}
		h.close()
		n, last := 0, time.Duration(-1)
		for d := range times {
			if last >= 0 && d-last < StreamMinInterval {
				t.Errorf("events %v apart, want at least %v", d-last, StreamMinInterval)
			}
			last = d
			n++
		}
		if want := int(time.Second / StreamMinInterval); n < want-1 || n > want+1 {
			t.Errorf("%d events in a second of changes, want about %d", n, want)
		}
	})
}

// TestHubLimitAndClose fills the hub, checks the limit, and that close ends
// every stream, stops the loop and refuses new streams.
func TestHubLimitAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newStreamHub(func() Snapshot { return Snapshot{} })
		subs := make([]*subscriber, MaxStreams)
		for i := range subs {
			var err error
			if subs[i], err = h.join(); err != nil {
				t.Fatalf("stream %d: %v", i+1, err)
			}
		}
		if _, err := h.join(); err != errTooManyStreams {
			t.Fatalf("stream %d: err %v, want errTooManyStreams", MaxStreams+1, err)
		}
		h.leave(subs[0])
		again, err := h.join()
		if err != nil {
			t.Fatalf("after one left: %v", err)
		}
		subs[0] = again
		h.close()
		for _, sub := range subs {
			for range sub.ch { // the last event, if any, then the end
			}
		}
		if _, err := h.join(); err != errShuttingDown {
			t.Errorf("after close: err %v, want errShuttingDown", err)
		}
		if n := h.open(); n != 0 {
			t.Errorf("%d streams open after close", n)
		}
		// synctest.Test fails if the loop goroutine is still running.
	})
}

// TestHubStopsWhenLastLeaves: no loop runs while no stream is open.
func TestHubStopsWhenLastLeaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var snapshots atomic.Int64
		h := newStreamHub(func() Snapshot { snapshots.Add(1); return Snapshot{} })
		sub, _ := h.join()
		synctest.Wait()
		h.leave(sub)
		synctest.Wait()
		n := snapshots.Load()
		time.Sleep(10 * StreamHeartbeat)
		if snapshots.Load() != n {
			t.Errorf("snapshots went on with no stream open")
		}
		h.close()
	})
}
