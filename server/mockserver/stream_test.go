package mockserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
	"github.com/go-async-workshop/workshop/server/gate"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

// stream is an open GET /stats/stream read event by event.
type stream struct {
	resp   *http.Response
	cancel context.CancelFunc
	events chan streamEvent
}

// streamEvent is one data line and when it arrived.
type streamEvent struct {
	at   time.Time
	snap snapshot
}

// openStream opens the stream and reads its events in a goroutine until the
// stream ends; close it with s.close.
func openStream(t *testing.T, url string) *stream {
	t.Helper()
	return openStreamWith(t, http.DefaultClient, url)
}

// openStreamWith is openStream through the given client.
func openStreamWith(t *testing.T, client *http.Client, url string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/stats/stream", nil)
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("GET /stats/stream: %d %s", resp.StatusCode, b)
	}
	s := &stream{resp: resp, cancel: cancel, events: make(chan streamEvent, 10000)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var e streamEvent
			e.at = time.Now()
			if err := json.Unmarshal([]byte(data), &e.snap); err != nil {
				t.Errorf("event %q: %v", data, err)
				return
			}
			s.events <- e
		}
	}()
	return s
}

func (s *stream) close() {
	s.cancel()
	s.resp.Body.Close()
	for range s.events {
	}
}

// next returns the next event, failing the test if none comes in time.
func (s *stream) next(t *testing.T) streamEvent {
	t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return e
	case <-time.After(waitTimeout):
		t.Fatalf("no event within %v (the server sends one at least every %v)", waitTimeout, streamHeartbeat)
	}
	return streamEvent{}
}

// waitFor reads events until cond holds.
func (s *stream) waitFor(t *testing.T, what string, cond func(snapshot) bool) streamEvent {
	t.Helper()
	deadline := time.After(waitTimeout)
	var video []string // what the events showed of the video gate, for the failure message
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				t.Fatalf("the stream ended while waiting for %s", what)
			}
			if cond(e.snap) {
				return e
			}
			v := e.snap.Gates[endpoints.Video]
			video = append(video, fmt.Sprintf("%d/%d/%d", v.InFlight, v.Waiting, v.Served))
		case <-deadline:
			t.Fatalf("no event showed %s; the video gate's in flight/waiting/served were %v", what, video)
		}
	}
}

func TestStatsStream(t *testing.T) {
	cfg := config(1)
	cfg.MaxWaiting = 500
	srv := startServer(t, cfg)
	ids := listIDs(t, srv.URL, 30)

	resp, err := http.Get(srv.URL + "/stats/stream")
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("Content-Type %q, Cache-Control %q; want text/event-stream, no-cache", ct, resp.Header.Get("Cache-Control"))
	}
	first, _ := bufio.NewReader(resp.Body).ReadString('\n')
	if first != fmt.Sprintf("retry: %d\n", streamRetry.Milliseconds()) {
		t.Errorf("first line %q, want the reconnection delay", first)
	}
	resp.Body.Close()

	s := openStream(t, srv.URL)
	defer s.close()
	e := s.next(t)
	if e.snap.LatencyScale != 1 || e.snap.MaxWaiting != 500 || len(e.snap.Gates) != len(endpoints.All()) {
		t.Fatalf("first event %+v, want scale 1, max waiting 500 and every gate", e.snap)
	}
	for _, ep := range endpoints.All() {
		if _, ok := e.snap.Gates[ep.Name]; !ok {
			t.Errorf("no gate %q in %+v", ep.Name, e.snap.Gates)
		}
	}
	if v := e.snap.Gates[endpoints.Video]; v.Capacity != VideoCapacity || v.InFlight != 0 || v.P50ms != nil {
		t.Errorf("idle video gate %+v, want capacity %d, nothing in flight, no latency", v, VideoCapacity)
	}

	// 30 requests at once: the stream shows 10 in flight and the rest
	// waiting, then all served with their latencies, then the gate idle
	// again. Twenty wait only until the first ten are answered, 200 ms
	// after they arrived, and on a busy machine the requests take a while
	// to arrive; the stream may show the next state (ten waiting, ten
	// served) instead, so either counts, and the peaks are the server's.
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 30}}
	defer client.CloseIdleConnections()
	for _, id := range ids {
		wg.Go(func() {
			if code, b := get(t, client, srv.URL+"/videos/"+id); code != 200 {
				t.Errorf("GET %s: %d %s", id, code, b)
			}
		})
	}
	s.waitFor(t, "the burst queued", func(s snapshot) bool {
		v := s.Gates[endpoints.Video]
		return v.InFlight == VideoCapacity && v.Waiting > 0 && v.InFlight+v.Waiting+v.Served == len(ids)
	})
	var busy []time.Time
	done := s.waitFor(t, "the burst served", func(s snapshot) bool {
		busy = append(busy, time.Now())
		return s.Gates[endpoints.Video].Served == 30
	})
	wg.Wait()
	v := done.snap.Gates[endpoints.Video]
	if v.RecentServed == 0 || v.P50ms == nil || v.P95ms == nil || *v.P50ms < 200 || *v.P95ms < *v.P50ms {
		t.Errorf("after the burst: %+v, want recent latencies of at least 200 ms", v)
	}
	if st := videoStats(t, srv.URL); v.Stats != st || v.PeakInFlight != VideoCapacity || v.InFlight != 0 || v.Waiting != 0 {
		t.Errorf("after the burst the stream showed %+v, want GET /stats's %+v, a peak of %d in flight and nothing left", v.Stats, st, VideoCapacity)
	}
	t.Logf("the queue peaked at %d waiting", v.PeakWaiting)
	var longest time.Duration
	for i := 1; i < len(busy); i++ {
		longest = max(longest, busy[i].Sub(busy[i-1]))
	}
	t.Logf("while busy: %d events in %v, longest gap %v", len(busy), busy[len(busy)-1].Sub(busy[0]).Round(time.Millisecond), longest.Round(time.Millisecond))
	s.waitFor(t, "the latencies to age out", func(s snapshot) bool {
		return s.Gates[endpoints.Video].RecentServed == 0
	})

	// A reset shows at once.
	if resp, err := http.Post(srv.URL+"/stats/reset", "", nil); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	s.waitFor(t, "the reset", func(s snapshot) bool { return s.Gates[endpoints.Video].Served == 0 })
}

// clientFrom returns an HTTP client whose connections come from the given
// loopback address: Linux routes all of 127.0.0.0/8 to the loopback
// interface, so one machine can be several clients.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("needs connections from several loopback addresses (127.0.0.x), which only Linux routes by default; this is %s", runtime.GOOS)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// refused checks that one more stream through client gets 503 with the
// given detail.
func refused(t *testing.T, client *http.Client, url, detail string) {
	t.Helper()
	resp, err := client.Get(url + "/stats/stream")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK { // a stream: its body never ends
		resp.Body.Close()
		t.Fatalf("a stream opened, want 503 %q", detail)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `"detail":"`+detail) || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%d %s (Retry-After %q), want 503 with the detail %q", resp.StatusCode, b, resp.Header.Get("Retry-After"), detail)
	}
}

// TestStreamLimit opens streams over TCP from two loopback addresses: one
// address gets at most MaxStreamsPerClient, all together maxStreams; a
// place that frees up can be taken again.
func TestStreamLimit(t *testing.T) {
	srv := startServer(t, config(0))
	one, two, three := clientFrom(t, "127.0.0.1"), clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3")
	var streams []*stream
	defer func() {
		for _, s := range streams {
			s.close()
		}
	}()
	for range MaxStreamsPerClient {
		streams = append(streams, openStreamWith(t, one, srv.URL))
	}
	refused(t, one, srv.URL, "too many open streams from your address")
	for range maxStreams - MaxStreamsPerClient {
		streams = append(streams, openStreamWith(t, two, srv.URL))
	}
	if n := srv.openStreams(); n != maxStreams {
		t.Fatalf("%d streams open after opening %d", n, maxStreams)
	}
	refused(t, three, srv.URL, "too many open streams")
	// One client goes: its place frees up once the server notices.
	streams[0].close()
	waitOpenStreams(t, srv.server, maxStreams-1)
	streams[0] = openStreamWith(t, one, srv.URL)
	streams[0].next(t)
}

// videoStats returns the video gate's counters from GET /stats.
func videoStats(t *testing.T, url string) gate.Stats {
	t.Helper()
	var st map[string]gate.Stats
	if code, b := get(t, http.DefaultClient, url+"/stats"); code != 200 || json.Unmarshal(b, &st) != nil {
		t.Fatalf("GET /stats: %d %s", code, b)
	}
	return st[endpoints.Video]
}

// waitOpenStreams waits until the server counts n open streams. The server
// notices a client has gone at its next write: within a heartbeat.
func waitOpenStreams(t *testing.T, s *server, n int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for s.openStreams() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams open after %v, want %d (a client's going is noticed within a heartbeat, %v)", s.openStreams(), waitTimeout, n, streamHeartbeat)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStreamEndsWhenClientGoes(t *testing.T) {
	srv := startServer(t, config(0))
	s := openStream(t, srv.URL)
	s.next(t)
	waitOpenStreams(t, srv.server, 1)
	s.close()
	waitOpenStreams(t, srv.server, 0)
}

// TestShutdownEndsStreams stops a server with open streams: the streams end
// at once instead of holding the shutdown up, and a request in flight still
// gets its answer.
func TestShutdownEndsStreams(t *testing.T) {
	cfg := config(1)
	cfg.Addr = "127.0.0.1:0"
	srv, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ids := listIDs(t, srv.URL, 1)
	var streams []*stream
	for range 3 {
		s := openStream(t, srv.URL)
		s.next(t)
		streams = append(streams, s)
	}
	inFlight := make(chan int, 1)
	go func() {
		code, _ := get(t, http.DefaultClient, srv.URL+"/videos/"+ids[0])
		inFlight <- code
	}()
	waitInFlight(t, srv.URL, endpoints.Video, 1)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		t.Fatalf("Stop with open streams: %v", err)
	}
	for i, s := range streams {
		for range s.events { // the stream ends: the channel closes
		}
		s.close()
		t.Logf("stream %d ended", i+1)
	}
	if code := <-inFlight; code != 200 {
		t.Errorf("request in flight got %d, want 200", code)
	}
	http.DefaultClient.CloseIdleConnections()
}
