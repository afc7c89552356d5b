package mockserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// startServer runs the real server on a free loopback port and stops it
// when the test ends (as package servertest does for other packages; this
// package's tests cannot import it).
func startServer(t testing.TB, cfg Config) *Running {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	r, err := Start(cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

// config returns the default configuration at the given latency scale.
// waitTimeout bounds every wait of these tests for something the server
// does over real TCP (a count in GET /stats, an event in the stream). It
// only says when to give up, so it is generous: a busy machine takes
// seconds where a quiet one takes milliseconds, and only a server that
// never does it reaches the bound.
const waitTimeout = 30 * time.Second

func config(scale float64) Config {
	cfg := DefaultConfig()
	cfg.LatencyScale = scale
	return cfg
}

// get fetches url with c and returns status and body.
func get(t *testing.T, c *http.Client, url string) (int, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
	}
	return resp.StatusCode, b
}

func listIDs(t *testing.T, url string, n int) []string {
	t.Helper()
	code, b := get(t, http.DefaultClient, fmt.Sprintf("%s/videos?n=%d", url, n))
	var ids []string
	if code != 200 || json.Unmarshal(b, &ids) != nil || len(ids) != n {
		t.Fatalf("listing %d ids: %d %s", n, code, b)
	}
	return ids
}

func TestOversizedBody(t *testing.T) {
	srv := startServer(t, config(0))
	id := listIDs(t, srv.URL, 1)[0]
	body := `{"warnings":["` + strings.Repeat("a", maxBodyBytes) + `"]}`
	req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/videos/"+id, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Detail string }
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || e.Detail == "" {
		t.Fatalf("status %d, detail %q (%v), want 413 with a detail", resp.StatusCode, e.Detail, err)
	}
	code, b := get(t, http.DefaultClient, srv.URL+"/videos/"+id)
	if code != 200 || !strings.Contains(string(b), `"warnings":[]`) {
		t.Errorf("after the oversized PATCH: %d %s", code, b)
	}
}

// TestConcurrentPatchAndGet patches and reads the same videos from many
// clients at once (run it with -race) and checks that no update is lost.
func TestConcurrentPatchAndGet(t *testing.T) {
	srv := startServer(t, config(0))
	ids := listIDs(t, srv.URL, 20)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	const rounds = 10
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for i := range rounds {
				body := fmt.Sprintf(`{"warnings":["%s-%d"]}`, id, i)
				req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/videos/"+id, strings.NewReader(body))
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("PATCH %s: %d", id, resp.StatusCode)
				}
			}
		})
		wg.Go(func() {
			for range rounds {
				if code, b := get(t, client, srv.URL+"/videos/"+id); code != 200 {
					t.Errorf("GET %s: %d %s", id, code, b)
				}
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		_, b := get(t, client, srv.URL+"/videos/"+id)
		var v struct{ Warnings []string }
		if err := json.Unmarshal(b, &v); err != nil || fmt.Sprint(v.Warnings) != fmt.Sprintf("[%s-%d]", id, rounds-1) {
			t.Errorf("%s: %s, want the last warning written", id, b)
		}
	}
}

// waitInFlight polls GET /stats until the gate has n requests holding a slot.
func waitInFlight(t *testing.T, url, gate string, n int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		var st map[string]map[string]int
		_, b := get(t, http.DefaultClient, url+"/stats")
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("stats %s: %v", b, err)
		}
		if st[gate]["in_flight"] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gate %s did not have %d in flight within %v; stats %s", gate, n, waitTimeout, b)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGracefulShutdown(t *testing.T) {
	cfg := config(1)
	cfg.Addr = "127.0.0.1:0"
	srv, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ids := listIDs(t, srv.URL, 1)

	inFlight := make(chan int, 1)
	go func() {
		code, _ := get(t, http.DefaultClient, srv.URL+"/videos/"+ids[0]) // held 200 ms
		inFlight <- code
	}()
	waitInFlight(t, srv.URL, endpoints.Video, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if code := <-inFlight; code != 200 {
		t.Errorf("in-flight request got %d, want 200", code)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

// TestStopRightAfterStart stops servers the moment they start, before their
// Serve goroutine may have taken the listener: Stop must still end Serve
// (the listener is closed either way) and return without error.
func TestStopRightAfterStart(t *testing.T) {
	const servers = 50
	for range servers {
		cfg := config(1)
		cfg.Addr = "127.0.0.1:0"
		cfg.Videos = 10 // a small catalogue: starting is what this test repeats
		srv, err := Start(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = srv.Stop(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Stop right after Start: %v", err)
		}
	}
}
