package mockserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// These tests run the real Fiber app (through app.Test, without a network)
// inside a synctest bubble: time is virtual, so the latency model's times
// come out exactly, however busy the machine is.

// modelServer returns a server at latency scale 1 with cfg's MaxWaiting,
// warmed up outside any bubble: the HTTP engine starts its housekeeping
// goroutines on the first request, and those must not belong to a bubble.
// Its stream hub is closed.
func modelServer(t *testing.T, maxWaiting int) *server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Videos = 200
	cfg.MaxWaiting = maxWaiting
	s, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	do(t, s, "GET", "/healthz", "")
	// No stream or history here: the hub's loop, started by the first
	// change of a gate, would run in a bubble beside the test.
	s.streams.close()
	return s
}

// fetchVideo sends GET /videos/{id} and returns the status, Retry-After and body.
func fetchVideo(t *testing.T, s *server, id string) (int, string, string) {
	resp, err := s.app.Test(httptest.NewRequest(http.MethodGet, "/videos/"+id, nil), -1)
	if err != nil {
		t.Errorf("GET /videos/%s: %v", id, err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// TestTalkPatterns times the talk's request patterns through the video gate
// and compares them with what the model predicts at scale 1.
func TestTalkPatterns(t *testing.T) {
	s := modelServer(t, 0)
	ids := s.db.IDs(100)
	fetch := func(id string) {
		if code, _, b := fetchVideo(t, s, id); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", id, code, b)
		}
	}
	sequential := func(ids []string) {
		for _, id := range ids {
			fetch(id)
		}
	}
	atOnce := func(ids []string) {
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() { fetch(id) })
		}
		wg.Wait()
	}
	tenAtATime := func(ids []string) { // ten workers share the ids
		var wg sync.WaitGroup
		for w := range 10 {
			wg.Go(func() {
				for i := w; i < len(ids); i += 10 {
					fetch(ids[i])
				}
			})
		}
		wg.Wait()
	}
	tests := []struct {
		name string
		run  func()
		want time.Duration
	}{
		{"1 request", func() { fetch(ids[0]) }, 200 * time.Millisecond},
		{"4 sequential", func() { sequential(ids[:4]) }, 800 * time.Millisecond},
		{"100 sequential", func() { sequential(ids) }, 20 * time.Second},
		{"100 at once", func() { atOnce(ids) }, 10900 * time.Millisecond}, // the talk's "about 11 s"
		{"100, 10 at a time", func() { tenAtATime(ids) }, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				tt.run()
				if got := time.Since(start); got != tt.want {
					t.Errorf("took %v, want %v", got, tt.want)
				}
			})
		})
	}
}

// TestOverloadGives503 sends 12 requests at once to the video gate with
// MaxWaiting 1: ten get a slot, one waits, one is turned away with a 503,
// a Retry-After and a JSON detail.
func TestOverloadGives503(t *testing.T) {
	s := modelServer(t, 1)
	ids := s.db.IDs(12)
	synctest.Test(t, func(t *testing.T) {
		var (
			wg                 sync.WaitGroup
			mu                 sync.Mutex
			ok, rejected       int
			retryAfter, detail string
		)
		for _, id := range ids {
			wg.Go(func() {
				code, ra, body := fetchVideo(t, s, id)
				mu.Lock()
				defer mu.Unlock()
				switch code {
				case http.StatusOK:
					ok++
				case http.StatusServiceUnavailable:
					rejected++
					retryAfter, detail = ra, body
				default:
					t.Errorf("status %d: %s", code, body)
				}
			})
		}
		wg.Wait()
		if ok != 11 || rejected != 1 {
			t.Fatalf("%d ok, %d rejected; want 11 and 1", ok, rejected)
		}
		if s, err := strconv.Atoi(retryAfter); err != nil || s < 1 {
			t.Errorf("Retry-After %q, want whole seconds >= 1", retryAfter)
		}
		if !strings.Contains(detail, `"detail":"server overloaded`) {
			t.Errorf("503 body %s, want a JSON detail", detail)
		}
	})
	var st map[string]map[string]int
	getJSON(t, s, "GET", "/stats", "", &st)
	if v := st[endpoints.Video]; v["rejected"] != 1 || v["served"] != 11 || v["peak_waiting"] != 1 || v["peak_in_flight"] != 10 {
		t.Errorf("video stats %v: want served 11, rejected 1, peaks 10 in flight and 1 waiting", v)
	}
}
