package mockserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/server/gate"
)

// These tests attack the server's named limits over real TCP.

// serveLoopback serves s on a free loopback port until the test ends and
// returns its base URL; s may be changed before (a shorter timeout).
func serveLoopback(t *testing.T, s *server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := errors.Join(s.shutdown(ctx), <-served); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// TestHalfAHeader: a client that sends half a request header and then
// nothing is disconnected after readTimeout, instead of holding its
// connection and goroutine for ever; a whole request still gets its answer,
// even one held in its gate for longer than the timeout, and an event
// stream outlives it.
func TestHalfAHeader(t *testing.T) {
	s, err := newServer(config(2)) // the video gate holds 400 ms
	if err != nil {
		t.Fatal(err)
	}
	if got := s.app.Server().ReadTimeout; got != readTimeout {
		t.Fatalf("the HTTP engine's read timeout is %v, want readTimeout (%v)", got, readTimeout)
	}
	const short = 300 * time.Millisecond // readTimeout, shortened for the test
	s.app.Server().ReadTimeout = short
	url := serveLoopback(t, s)
	addr := strings.TrimPrefix(url, "http://")

	for _, tt := range []struct{ name, sent string }{
		{"nothing at all", ""},
		{"half a header", "GET /healthz HTTP/1.1\r\nHost: slow"},
		{"a header without its end", "GET /healthz HTTP/1.1\r\nHost: slow\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.sent); err != nil {
				t.Fatal(err)
			}
			// Far longer than the timeout: only a server that never lets
			// go reaches it.
			_ = conn.SetReadDeadline(time.Now().Add(100 * short))
			b, err := io.ReadAll(conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("after %v the server still held the connection (read timeout %v)", 100*short, short)
			}
			if strings.Contains(string(b), "200 OK") {
				t.Errorf("answered 200 to an incomplete request: %q", b)
			}
		})
	}
	if code, b := get(t, http.DefaultClient, url+"/healthz"); code != 200 {
		t.Errorf("a whole request: %d %s", code, b)
	}
	if code, b := get(t, http.DefaultClient, url+"/videos/"+listIDs(t, url, 1)[0]); code != 200 {
		t.Errorf("a request held %v, longer than the read timeout: %d %s", s.gates[endpoints.Video].Hold(0), code, b)
	}
	stream := openStream(t, url)
	defer stream.close()
	for end := time.Now().Add(4 * short); time.Now().Before(end); {
		stream.next(t) // heartbeats, a second apart: fails if the stream ends
	}
}

// TestTileRendersBounded: tile requests draw inside their gate, never more
// than maxTileRenders at once however many arrive together, and every one
// is answered.
func TestTileRendersBounded(t *testing.T) {
	s, err := newServer(config(0.01))
	if err != nil {
		t.Fatal(err)
	}
	var drawing, peak, over atomic.Int32
	release := make(chan struct{})
	s.drawTile = func(z, x, y int) ([]byte, error) {
		n := drawing.Add(1)
		defer drawing.Add(-1)
		if n > maxTileRenders {
			over.Add(1)
		}
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		return renderTile(z, x, y)
	}
	url := serveLoopback(t, s)
	const n = 5 * maxTileRenders
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	codes := make(chan int, n)
	for i := range n {
		go func() {
			code, _ := get(t, client, fmt.Sprintf("%s/tiles/5/%d/3.png", url, i))
			codes <- code
		}()
	}
	// Every request is inside the gate: maxTileRenders draw, the rest wait
	// for their turn, still in flight.
	waitInFlight(t, url, endpoints.Tiles, n)
	for drawing.Load() < maxTileRenders {
		time.Sleep(time.Millisecond)
	}
	close(release)
	for range n {
		if code := <-codes; code != 200 {
			t.Errorf("a tile: status %d", code)
		}
	}
	if over.Load() > 0 || peak.Load() != maxTileRenders {
		t.Errorf("%d tiles drawn at once at the peak (%d times over the limit), want maxTileRenders = %d", peak.Load(), over.Load(), maxTileRenders)
	}
}

// answer is one response read from a raw connection.
type answer struct {
	code       int
	retryAfter string
	detail     string
}

// sendRaw sends GET path on a connection of its own (with the client name,
// if any) and returns the answer on the channel.
func sendRaw(t *testing.T, addr, path, client string, out chan<- answer) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		out <- answer{}
		return
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	header := ""
	if client != "" {
		header = endpoints.ClientHeader + ": " + client + "\r\n"
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: test\r\n%sConnection: close\r\n\r\n", path, header)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Error(err)
		out <- answer{}
		return
	}
	defer resp.Body.Close()
	var e struct{ Detail string }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	out <- answer{resp.StatusCode, resp.Header.Get("Retry-After"), e.Detail}
}

// allStats reads GET /stats with the clients of each gate.
func allStats(t *testing.T, url string) map[string]gateStats {
	t.Helper()
	var st map[string]gateStats
	if code, b := get(t, http.DefaultClient, url+"/stats"); code != 200 || json.Unmarshal(b, &st) != nil {
		t.Fatalf("GET /stats: %d %s", code, b)
	}
	return st
}

// waitArrived polls GET /stats until the video gate holds or queues n
// requests, and fails if it answered one first: the tests below need the
// whole burst in the gate before its first hold ends.
func waitArrived(t *testing.T, url string, n int) gateStats {
	t.Helper()
	for {
		v := allStats(t, url)[endpoints.Video]
		if v.Served > 0 {
			t.Fatalf("the gate answered a request before the burst of %d had arrived (%+v): this machine took longer than a hold", n, v.Stats)
		}
		if v.InFlight+v.Waiting == n {
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// burstScale makes the video gate's first hold 10 s, so a burst of a few
// hundred requests over TCP arrives whole, and the tests below read the
// gate, before it ends, even on a busy machine (where the burst alone can
// take seconds).
const burstScale = 50

// TestResetTurnsTheQueueAway: POST /stats/reset answers every queued request
// at once with 503 and Retry-After; the requests holding a slot finish
// after it, as usual, and the counters restart from them.
func TestResetTurnsTheQueueAway(t *testing.T) {
	srv := startServer(t, config(burstScale))
	t.Cleanup(func() { postAs(t, srv.URL+"/stats/reset", "") }) // should the test end early: no queue to wait for
	ids := listIDs(t, srv.URL, 30)
	answers := make(chan answer, len(ids))
	for _, id := range ids {
		go sendRaw(t, srv.Addr().String(), "/videos/"+id, "", answers)
	}
	waitArrived(t, srv.URL, len(ids))
	if code, b := postAs(t, srv.URL+"/stats/reset", ""); code != 200 {
		t.Fatalf("reset: %d %s", code, b)
	}
	if v := allStats(t, srv.URL)[endpoints.Video]; v.Stats != (gate.Stats{InFlight: endpoints.VideoCapacity, PeakInFlight: endpoints.VideoCapacity}) {
		t.Errorf("after the reset: %+v, want the %d in flight and nothing else", v.Stats, endpoints.VideoCapacity)
	}
	var order []int
	for range ids {
		a := <-answers
		order = append(order, a.code)
		if a.code == 503 && (a.retryAfter == "" || !strings.Contains(a.detail, "dropped from the queue")) {
			t.Errorf("a dropped request: %+v, want Retry-After and a detail saying so", a)
		}
	}
	want := fmt.Sprint(append(repeat(503, len(ids)-endpoints.VideoCapacity), repeat(200, endpoints.VideoCapacity)...))
	if fmt.Sprint(order) != want {
		t.Errorf("answers in the order %v, want the %d queued turned away first, then the %d in flight served", order, len(ids)-endpoints.VideoCapacity, endpoints.VideoCapacity)
	}
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// postAs sends POST url with the client name, if any, and returns status and body.
func postAs(t *testing.T, url, client string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	if client != "" {
		req.Header.Set(endpoints.ClientHeader, client)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestClientsOverTCP: three clients send 100 requests each at once to the
// video gate: GET /stats shows the 290 waiting split between them, and the
// stream too. Then one client's reset turns away only its own queued
// requests, and an unnamed reset the rest.
func TestClientsOverTCP(t *testing.T) {
	srv := startServer(t, config(burstScale))
	t.Cleanup(func() { postAs(t, srv.URL+"/stats/reset", "") }) // should the test end early: no queue to wait for
	s := openStream(t, srv.URL)
	defer s.close()
	ids := listIDs(t, srv.URL, 100)
	names := []string{"ana", "ben", "cleo"}
	answers := map[string]chan answer{}
	var wg sync.WaitGroup
	for _, name := range names {
		out := make(chan answer, len(ids))
		answers[name] = out
		for _, id := range ids {
			wg.Go(func() { sendRaw(t, srv.Addr().String(), "/videos/"+id, name, out) })
		}
	}
	v := waitArrived(t, srv.URL, len(names)*len(ids))
	if v.Waiting != 290 || v.PeakWaiting != 290 {
		t.Errorf("the gate: %+v, want 290 waiting at the peak", v.Stats)
	}
	waiting, inFlight := 0, 0
	for _, name := range names {
		c := v.Clients[name]
		if c.InFlight+c.Waiting != len(ids) || c.PeakWaiting != c.Waiting {
			t.Errorf("%s: %+v, want its %d requests in flight or waiting, at the peak", name, c, len(ids))
		}
		waiting, inFlight = waiting+c.Waiting, inFlight+c.InFlight
	}
	if waiting != 290 || inFlight != endpoints.VideoCapacity || len(v.Clients) != len(names) {
		t.Errorf("clients %+v: %d waiting and %d in flight in all, want 290 and %d", v.Clients, waiting, inFlight, endpoints.VideoCapacity)
	}
	s.waitFor(t, "the clients in the stream", func(snap snapshot) bool {
		c := snap.Gates[endpoints.Video].Clients
		return c["ana"].Waiting+c["ben"].Waiting+c["cleo"].Waiting == 290
	})

	// ben resets: his queued requests go, the others' stay.
	benQueued := v.Clients["ben"].Waiting
	if code, b := postAs(t, srv.URL+"/stats/reset", "ben"); code != 200 {
		t.Fatalf("ben's reset: %d %s", code, b)
	}
	for range benQueued {
		if a := <-answers["ben"]; a.code != 503 {
			t.Errorf("ben's queued request after his reset: %+v, want 503", a)
		}
	}
	after := allStats(t, srv.URL)[endpoints.Video]
	if after.Waiting != 290-benQueued || after.Clients["ana"].Waiting != v.Clients["ana"].Waiting || after.Clients["cleo"].Waiting != v.Clients["cleo"].Waiting {
		t.Errorf("after ben's reset: %+v, clients %+v; want ana's and cleo's queues untouched", after.Stats, after.Clients)
	}
	if code, b := postAs(t, srv.URL+"/stats/reset", ""); code != 200 {
		t.Fatalf("reset: %d %s", code, b)
	}
	wg.Wait()
	served := 0
	for _, name := range names {
		close(answers[name])
		for a := range answers[name] {
			if a.code == 200 {
				served++
			}
		}
	}
	if served != endpoints.VideoCapacity {
		t.Errorf("%d requests served, want the %d that held a slot; the rest turned away", served, endpoints.VideoCapacity)
	}
}

// TestClientNames: a valid name is counted apart, an invalid one under
// "(other)", none in the totals only; no name fails a request.
func TestClientNames(t *testing.T) {
	srv := startServer(t, config(0))
	id := listIDs(t, srv.URL, 1)[0]
	answers := make(chan answer, 4)
	for _, name := range []string{"ana", "two words", strings.Repeat("x", endpoints.MaxClientName+1), ""} {
		sendRaw(t, srv.Addr().String(), "/videos/"+id, name, answers)
		if a := <-answers; a.code != 200 {
			t.Errorf("name %q: %+v", name, a)
		}
	}
	v := allStats(t, srv.URL)[endpoints.Video]
	if v.Served != 4 || len(v.Clients) != 2 || v.Clients["ana"].Served != 1 || v.Clients[gate.OtherClients].Served != 2 {
		t.Errorf("the gate %+v with clients %+v: want 4 served, ana 1, %s 2", v.Stats, v.Clients, gate.OtherClients)
	}
}
