package videoapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func start(t *testing.T, opts ...videoapi.Option) *videoapi.Client {
	t.Helper()
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0.02
	cfg.Videos = 50
	srv := servertest.Start(t, cfg)
	c := videoapi.New(srv.URL, opts...)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestVideosRoundTrip(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	if err := c.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	ids, err := c.ListIDs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 10 {
		t.Fatalf("ListIDs(10) returned %d ids", len(ids))
	}
	v, err := c.Video(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != ids[0] || v.Title == "" || len(v.UploadDate) != len("2021-02-05") || v.Warnings == nil {
		t.Errorf("video %+v", v)
	}
	text, err := c.Transcript(ctx, ids[0])
	if err != nil || len(text) < 100 {
		t.Fatalf("transcript %q, %v", text, err)
	}
	want := []string{"mentions NASA", "test"}
	if err := c.SaveWarnings(ctx, ids[0], want); err != nil {
		t.Fatal(err)
	}
	if v, _ = c.Video(ctx, ids[0]); !slices.Equal(v.Warnings, want) {
		t.Errorf("warnings after save %q, want %q", v.Warnings, want)
	}
	if err := c.SaveWarnings(ctx, ids[0], nil); err != nil {
		t.Fatal(err)
	}
	if v, _ = c.Video(ctx, ids[0]); len(v.Warnings) != 0 {
		t.Errorf("warnings after clearing %q", v.Warnings)
	}
	stats, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats["video"].Served < 3 || stats["patch"].Served != 2 {
		t.Errorf("stats %+v", stats)
	}
	if err := c.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	if stats, _ = c.Stats(ctx); stats["video"].Served != 0 {
		t.Errorf("stats not reset: %+v", stats["video"])
	}
}

func TestCompanionEndpoints(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	p, err := c.Post(ctx, 3)
	if err != nil || p.ID != 3 || p.UserID == 0 || p.Title == "" || p.Body == "" {
		t.Errorf("Post(3) = %+v, %v", p, err)
	}
	b, err := c.Tile(ctx, 13, 1300, 2920)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Errorf("tile is not a 256x256 PNG: %v", err)
	}
	w, err := c.Weather(ctx, 52.52, 13.405)
	if err != nil || w.Lat != 52.52 || w.Lon != 13.405 || w.Description == "" {
		t.Errorf("Weather = %+v, %v", w, err)
	}
}

func TestErrorsCarryTheServersDetail(t *testing.T) {
	c := start(t)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		code int
	}{
		{"unknown video", func() error { _, err := c.Video(ctx, "no-such-video"); return err }, 404},
		{"unknown transcript", func() error { _, err := c.Transcript(ctx, "no-such-video"); return err }, 404},
		{"save unknown", func() error { return c.SaveWarnings(ctx, "no-such-video", []string{"x"}) }, 404},
		{"list too many", func() error { _, err := c.ListIDs(ctx, 100000); return err }, 0},
		{"list zero", func() error { _, err := c.ListIDs(ctx, 0); return err }, 0},
		{"unknown post", func() error { _, err := c.Post(ctx, 1000); return err }, 404},
		{"bad latitude", func() error { _, err := c.Weather(ctx, 123, 0); return err }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var apiErr *videoapi.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if tt.code != 0 && apiErr.StatusCode != tt.code {
				t.Errorf("status %d, want %d", apiErr.StatusCode, tt.code)
			}
			if apiErr.StatusCode < 400 || apiErr.StatusCode > 499 {
				t.Errorf("status %d, want a 4xx", apiErr.StatusCode)
			}
			if apiErr.Detail == "" || strings.HasPrefix(apiErr.Detail, "{") {
				t.Errorf("detail %q is not the server's message", apiErr.Detail)
			}
			if !strings.Contains(err.Error(), apiErr.Detail) || videoapi.StatusCode(err) != apiErr.StatusCode {
				t.Errorf("error text %q lacks the detail", err)
			}
		})
	}
}

func TestHealthyExplainsHowToStartTheServer(t *testing.T) {
	c := videoapi.New("http://127.0.0.1:1")
	err := c.Healthy(context.Background())
	if err == nil {
		t.Fatal("Healthy succeeded with no server")
	}
	for _, want := range []string{"http://127.0.0.1:1", "go run ./server", "make server"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// Healthy and Settings wrap the cause of their error, so that a caller can
// still tell a timeout or the server's status from it.
func TestHealthyKeepsTheCause(t *testing.T) {
	// A listener that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	// A server whose /healthz answers 503.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"detail":"starting"}`))
	}))
	defer down.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	slow := videoapi.New("http://" + silent.Addr().String())
	defer slow.CloseIdleConnections()
	if err := slow.Healthy(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "go run ./server") {
		t.Errorf("Healthy against a server that never answers: %v, want context.DeadlineExceeded wrapped with the advice", err)
	}
	unwell := videoapi.New(down.URL)
	defer unwell.CloseIdleConnections()
	if _, err := unwell.Settings(context.Background()); videoapi.StatusCode(err) != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "starting") {
		t.Errorf("Settings against a server answering 503: %v (status %d), want the 503 and its detail", err, videoapi.StatusCode(err))
	}
}

func TestMaxConnsPerHost(t *testing.T) {
	tests := []struct {
		name      string
		limit     int
		wantPeak  func(int) bool
		condition string
	}{
		{"limited to 3", 3, func(p int) bool { return p <= 3 && p >= 1 }, "between 1 and 3"},
		{"unlimited", 0, func(p int) bool { return p > 3 }, "above 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t, videoapi.WithMaxConnsPerHost(tt.limit))
			ctx := context.Background()
			var wg sync.WaitGroup
			for id := 1; id <= 20; id++ {
				wg.Go(func() {
					if _, err := c.Post(ctx, id); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			stats, err := c.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if p := stats["posts"].PeakInFlight; !tt.wantPeak(p) {
				t.Errorf("server saw %d posts in flight, want %s", p, tt.condition)
			}
		})
	}
}

func TestContextCancels(t *testing.T) {
	c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := c.Post(ctx, 1) // the server holds a post 5 ms at this scale
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want context.DeadlineExceeded", err)
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct{ env, want string }{
		{"", videoapi.DefaultBaseURL},
		{"http://example.test:9000/", "http://example.test:9000"},
		{" http://10.0.0.1:8000 ", "http://10.0.0.1:8000"},
	}
	for _, tt := range tests {
		t.Setenv(videoapi.EnvBaseURL, tt.env)
		if got := videoapi.BaseURL(); got != tt.want {
			t.Errorf("BaseURL() with %q = %q, want %q", tt.env, got, tt.want)
		}
		if got := videoapi.New("").BaseURL(); got != tt.want {
			t.Errorf("New(\"\").BaseURL() with %q = %q, want %q", tt.env, got, tt.want)
		}
	}
	if got := videoapi.New("http://h:1/", videoapi.WithHTTPClient(http.DefaultClient)).BaseURL(); got != "http://h:1" {
		t.Errorf("trailing slash kept: %q", got)
	}
}

// TestOverloadedServerSaysWhenToRetry fires more requests at once than the
// video gate holds plus the one it lets wait: the rest are answered 503 at
// once, with the Retry-After the server suggests.
func TestOverloadedServerSaysWhenToRetry(t *testing.T) {
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0.5 // holds of 100 ms and more: all requests arrive while the first ones hold
	cfg.Videos = 20
	cfg.MaxWaiting = 1
	c := videoapi.New(servertest.Start(t, cfg).URL)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	ids, err := c.ListIDs(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { _, errs[i] = c.Video(ctx, id) })
	}
	wg.Wait()
	rejected := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		var apiErr *videoapi.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("error %v, want a 503 *APIError", err)
		}
		if apiErr.RetryAfter < time.Second {
			t.Errorf("RetryAfter = %v, want the server's suggestion (at least 1s)", apiErr.RetryAfter)
		}
		rejected++
	}
	stats, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rejected == 0 || stats["video"].Rejected != rejected {
		t.Errorf("%d requests answered 503, the server counted %d rejected; want the same, at least 1", rejected, stats["video"].Rejected)
	}
}

// TestClientNamesItself: a Client sends $JUPYTERHUB_USER (or WithName's
// name) with every request, and the server counts its requests apart; a
// name the server would not accept is not sent, and fails nothing.
func TestClientNamesItself(t *testing.T) {
	ctx := context.Background()
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0
	srv := servertest.Start(t, cfg)
	t.Setenv(videoapi.EnvUser, "ana")
	ana := videoapi.New(srv.URL)
	t.Setenv(videoapi.EnvUser, "ana\r\nX-Injected: 1") // not a name: nothing is sent
	odd := videoapi.New(srv.URL)
	ben := videoapi.New(srv.URL, videoapi.WithName("ben"))
	for _, c := range []*videoapi.Client{ana, odd, ben} {
		t.Cleanup(c.CloseIdleConnections)
	}
	if ana.Name() != "ana" || odd.Name() != "" || ben.Name() != "ben" {
		t.Fatalf("names %q, %q, %q; want ana, none, ben", ana.Name(), odd.Name(), ben.Name())
	}
	ids, err := ana.ListIDs(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []*videoapi.Client{ana, odd, ben} {
		for _, id := range ids[:i+1] {
			if _, err := c.Video(ctx, id); err != nil {
				t.Fatalf("%q: %v", c.Name(), err)
			}
		}
	}
	// The per-client counters, as GET /stats gives them.
	resp, err := http.Get(srv.URL + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats map[string]struct {
		videoapi.EndpointStats
		Clients map[string]videoapi.EndpointStats `json:"clients"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	v := stats["video"]
	if v.Served != 6 || len(v.Clients) != 2 || v.Clients["ana"].Served != 1 || v.Clients["ben"].Served != 3 {
		t.Errorf("video gate %+v, clients %+v: want 6 served, ana 1, ben 3 and nobody else", v.EndpointStats, v.Clients)
	}
	if list := stats["videos_list"].Clients["ana"]; list.Served != 1 {
		t.Errorf("ana's list request: %+v", list)
	}
}
