package mockserver

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/server/gate"
)

// busySnapshot returns a snapshot with n requests waiting at the video gate.
func busySnapshot(n int) snapshot {
	return snapshot{Time: time.Now(), Gates: map[string]gateSnapshot{endpoints.Video: {Stats: gateStatsWaiting(n)}}}
}

func gateStatsWaiting(n int) (s gate.Stats) { s.Waiting = n; return s }

// TestHistoryRing: the ring keeps at most historyPoints points and the last
// historyWindow of them; idle points after an idle one add nothing.
func TestHistoryRing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h history
		for i := range 2 * historyPoints {
			h.add(busySnapshot(i + 1))
			time.Sleep(streamMinInterval)
		}
		all := h.since(time.Time{})
		if len(all) != historyPoints || all[len(all)-1].Gates[endpoints.Video].Waiting != 2*historyPoints {
			t.Fatalf("%d points, the last %+v; want the newest %d", len(all), all[len(all)-1], historyPoints)
		}
		for i := 1; i < len(all); i++ {
			if !all[i].Time.After(all[i-1].Time) {
				t.Fatalf("point %d at %v, not after %v", i, all[i].Time, all[i-1].Time)
			}
		}
		window := h.since(time.Now().Add(-historyWindow))
		if first := window[0].Time; first.After(time.Now().Add(-historyWindow)) || window[1].Time.Before(time.Now().Add(-historyWindow)) {
			t.Errorf("the window starts at %v, %v: want the last point before the window, then the window", first, window[1].Time)
		}
		idle := snapshot{Time: time.Now(), Gates: map[string]gateSnapshot{endpoints.Video: {}}}
		h.add(idle)
		n := len(h.since(time.Time{}))
		h.add(idle)
		if len(h.since(time.Time{})) != n || !h.last().idle() {
			t.Errorf("a second idle point was recorded")
		}
	})
}

// TestHubRecordsWithoutStreams: a gate's changes start the loop with no
// stream open; its snapshots go into the history until the gates are idle,
// then the loop stops; a stream asking for the history gets it first.
func TestHubRecordsWithoutStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var waiting atomic.Int64
		var taken atomic.Int64
		h := newStreamHub(func() snapshot { taken.Add(1); return busySnapshot(int(waiting.Load())) })
		waiting.Store(90)
		h.notify() // a burst arrives
		time.Sleep(time.Second)
		waiting.Store(0)
		h.notify() // and is served
		synctest.Wait()
		n := taken.Load()
		if n < int64(time.Second/streamBusyInterval) {
			t.Errorf("%d snapshots in a busy second, want one every %v at least", n, streamBusyInterval)
		}
		time.Sleep(10 * streamHeartbeat)
		if taken.Load() != n {
			t.Errorf("snapshots went on with all gates idle and no stream open")
		}

		server, client := net.Pipe()
		if err := h.join("one"); err != nil {
			t.Fatal(err)
		}
		go func() { h.serve(server, "one", true); server.Close() }()
		r := bufio.NewReader(client)
		var kinds []string
		var points []historyPoint
		for len(kinds) < 2 {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.HasPrefix(line, "event: "):
				kinds = append(kinds, strings.TrimSpace(strings.TrimPrefix(line, "event: ")))
			case strings.HasPrefix(line, "data: ") && len(kinds) == 1:
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &points); err != nil {
					t.Fatal(err)
				}
				kinds = append(kinds, "data")
			}
		}
		if kinds[0] != "history" || len(points) < 2 || points[0].Gates[endpoints.Video].Waiting != 90 || !points[len(points)-1].idle() {
			t.Errorf("the stream began with %q and %d points (%+v), want the history: the burst, then idle", kinds, len(points), points)
		}
		client.Close()
		h.close()
	})
}

// TestHistoryOverTCP: after a burst that no stream watched, a stream that
// asks for the history starts with it, and one that does not, without.
func TestHistoryOverTCP(t *testing.T) {
	srv := startServer(t, config(1))
	ids := listIDs(t, srv.URL, 30)
	answers := make(chan answer, len(ids))
	for _, id := range ids {
		go sendRaw(t, srv.Addr().String(), "/videos/"+id, "", answers)
	}
	for range ids {
		if a := <-answers; a.code != 200 {
			t.Fatalf("a request of the burst: %+v", a)
		}
	}
	peak := allStats(t, srv.URL)[endpoints.Video].PeakWaiting

	resp, err := http.Get(srv.URL + "/stats/stream?history=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	var event string
	for event == "" {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "data: ") {
			t.Fatalf("a data line %q before the history event", line)
		}
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "event: "); ok {
			event = name
		}
	}
	line, _ := r.ReadString('\n')
	var points []historyPoint
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &points); err != nil || event != "history" {
		t.Fatalf("event %q, data %q: %v", event, line, err)
	}
	most := 0
	for _, p := range points {
		most = max(most, p.Gates[endpoints.Video].Waiting)
		if time.Since(p.Time) > historyWindow+time.Second {
			t.Errorf("a point from %v ago", time.Since(p.Time))
		}
	}
	if most == 0 || most > peak {
		t.Errorf("the history's most waiting is %d, the gate's peak %d: want the burst, as the gate saw it", most, peak)
	}
	t.Logf("%d points; the burst peaked at %d waiting, the history shows %d", len(points), peak, most)

	plain := openStream(t, srv.URL) // fails the test on a data line that is not a snapshot
	plain.next(t)
	plain.close()
}
