package contentwarnings

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

// testScale keeps the server's latencies small: a video GET takes 200 ms * scale.
const testScale = 0.03

// start runs the real server and returns a client for it, closed at cleanup.
func start(t *testing.T, scale float64, maxWaiting int, opts ...videoapi.Option) *videoapi.Client {
	t.Helper()
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = scale
	cfg.Videos = 200
	cfg.MaxWaiting = maxWaiting
	srv := servertest.Start(t, cfg)
	c := videoapi.New(srv.URL, opts...)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// stale overwrites the warnings of the first n videos with a wrong value, so
// that only a pipeline that really saves every video passes Verify.
func stale(t *testing.T, c *videoapi.Client, n int) {
	t.Helper()
	ctx := context.Background()
	ids, err := c.ListIDs(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := c.SaveWarnings(ctx, id, []string{"stale"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRejectsWrongWarnings(t *testing.T) {
	c := start(t, testScale, 0)
	ctx := context.Background()
	res, err := Final(ctx, Options{Client: c, N: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(ctx, c, 20, res); err != nil {
		t.Fatalf("Verify after Final: %v", err)
	}
	wrong := res
	wrong.Flagged = append([]string{"not-flagged"}, res.Flagged...)
	if err := Verify(ctx, c, 20, wrong); err == nil {
		t.Error("Verify accepted a result with a wrong flagged list")
	}
	stale(t, c, 3)
	if err := Verify(ctx, c, 20, res); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Errorf("Verify error %v, want one about the stale warnings", err)
	}
}

func TestPipelinesSaveTheRightWarnings(t *testing.T) {
	c := start(t, testScale, 0)
	ctx := context.Background()
	tests := []struct {
		name     string
		run      func(context.Context, Options) (Result, error)
		n        int
		minVideo int // fewest video GETs the timeline must show at once: 2 where they overlap
		maxVideo int // most video GETs the pipeline may have in flight
	}{
		{"sync", Sync, 15, 1, 1},
		{"final", Final, 60, 2, VideoLimit},
		{"attempt", Attempt, 30, 2, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stale(t, c, tt.n)
			rec := timeline.New()
			var bar strings.Builder
			res, err := tt.run(ctx, Options{Client: c, N: tt.n, Model: Model{Work: 0}, Timeline: rec, Progress: &bar})
			if err != nil {
				t.Fatal(err)
			}
			if res.Mode != tt.name || res.Videos != tt.n || res.Wall <= 0 {
				t.Errorf("result %+v", res)
			}
			// The server's counters first: Verify makes requests of its own.
			stats, err := c.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := stats["patch"].Served; got != tt.n {
				t.Errorf("server saw %d PATCHes, want %d", got, tt.n)
			}
			if got := stats["video"].PeakInFlight; got > tt.maxVideo {
				t.Errorf("server peak video in flight %d, want at most %d", got, tt.maxVideo)
			}
			if len(res.Flagged) == 0 || len(res.Flagged) > tt.n/2 {
				t.Errorf("flagged %d of %d videos; the server marks about 10%%", len(res.Flagged), tt.n)
			}
			if got := len(rec.Spans()); got != 4*tt.n {
				t.Errorf("%d spans on the timeline, want %d", got, 4*tt.n)
			}
			// Overlap, not wall time, says a pipeline is concurrent: a busy
			// machine can make a concurrent run slower than a sequential one.
			if p := rec.Peak(LaneVideo); p > tt.maxVideo || p < tt.minVideo {
				t.Errorf("peak video GETs %d, want %d to %d", p, tt.minVideo, tt.maxVideo)
			}
			if !strings.Contains(bar.String(), "] "+itoa(tt.n)+"/"+itoa(tt.n)) {
				t.Errorf("progress bar did not reach %d: %q", tt.n, bar.String())
			}
			if err := Verify(ctx, c, tt.n, res); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFinalRespectsLimits(t *testing.T) {
	c := start(t, testScale, 0)
	ctx := context.Background()
	rec := timeline.New()
	res, err := Final(ctx, Options{Client: c, N: 100, Model: Model{Work: 0}, Timeline: rec})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, most int
	}{
		{"timeline peak get video", rec.Peak(LaneVideo), VideoLimit},
		{"timeline peak transcript", rec.Peak(LaneTranscript), TranscriptLimit},
		{"timeline peak model", rec.Peak(LaneModel), runtime.GOMAXPROCS(0)},
		{"server peak video in flight", stats["video"].PeakInFlight, VideoLimit},
		{"server peak transcript in flight", stats["transcript"].PeakInFlight, TranscriptLimit},
		{"server video degraded", stats["video"].Degraded, 0},
		{"server transcript degraded", stats["transcript"].Degraded, 0},
	}
	for _, ch := range checks {
		if ch.got > ch.most {
			t.Errorf("%s = %d, want at most %d", ch.what, ch.got, ch.most)
		}
	}
	// The limits are also reached: the work really overlaps.
	if rec.Peak(LaneVideo) < 2 || rec.Peak(LaneTranscript) < 2 {
		t.Errorf("no overlap: %s", rec.Summary())
	}
	if res.Videos != 100 {
		t.Errorf("processed %d videos", res.Videos)
	}
}

func TestAttemptOverloadsTheServer(t *testing.T) {
	ctx := context.Background()
	t.Run("degrades", func(t *testing.T) {
		c := start(t, testScale, 0)
		if _, err := Attempt(ctx, Options{Client: c, N: 100}); err != nil {
			t.Fatal(err)
		}
		stats, err := c.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v := stats["video"]
		if v.PeakWaiting < 30 || v.Degraded < 30 {
			t.Errorf("video endpoint not overloaded by 100 goroutines: %s", v)
		}
	})
	t.Run("rejected with max waiting", func(t *testing.T) {
		c := start(t, testScale, 10)
		_, err := Attempt(ctx, Options{Client: c, N: 100})
		if err == nil {
			t.Fatal("Attempt succeeded against a server that caps waiting requests at 10")
		}
		if code := videoapi.StatusCode(err); code != http.StatusServiceUnavailable {
			t.Errorf("error %v: status %d, want 503", err, code)
		}
		stats, serr := c.Stats(ctx)
		if serr != nil {
			t.Fatal(serr)
		}
		if stats["video"].Rejected == 0 {
			t.Errorf("server rejected nothing: %s", stats["video"])
		}
	})
}

// failingTransport sends every request to the server, except that the
// transcript of one video is asked for under an unknown id (the server
// answers 404), and counts the PATCHes that got through.
type failingTransport struct {
	id      string
	patches atomic.Int64
}

func (f *failingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/"+f.id+"/transcript") {
		req = req.Clone(req.Context())
		req.URL.Path = "/videos/no-such-video/transcript"
	}
	if req.Method == http.MethodPatch {
		f.patches.Add(1)
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestFinalCancelsOnFirstError(t *testing.T) {
	plain := start(t, 0.1, 0)
	ctx := context.Background()
	ids, err := plain.ListIDs(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	ft := &failingTransport{id: ids[7]}
	c := videoapi.New(plain.BaseURL(), videoapi.WithHTTPClient(&http.Client{Transport: ft}))
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)

	res, err := Final(ctx, Options{Client: c, N: 100})
	if code := videoapi.StatusCode(err); code != http.StatusNotFound {
		t.Fatalf("error %v (status %d), want the 404 of the broken transcript", err, code)
	}
	if !strings.Contains(err.Error(), ids[7]) {
		t.Errorf("error %q does not name video %s", err, ids[7])
	}
	// The 404 comes back in the first round of video GETs (5 at a time), so
	// cancelling the rest leaves most videos unsaved.
	if n := ft.patches.Load(); n > 50 {
		t.Errorf("%d videos saved after the first error; the rest were not cancelled", n)
	}
	if res.Mode != "final" {
		t.Errorf("result %+v", res)
	}
}

func TestPipelinesStopWhenCancelled(t *testing.T) {
	c := start(t, 0.1, 0)
	for _, run := range []func(context.Context, Options) (Result, error){Sync, Attempt, Final} {
		ctx, cancel := context.WithCancel(context.Background())
		rec := timeline.New()
		rec.SetLive(cancelOnFinish{cancel}, false) // cancel once the first request has finished
		_, err := run(ctx, Options{Client: c, N: 50, Timeline: rec})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	}
}

// cancelOnFinish is a live log that cancels a context at the first line
// saying that a piece of work finished.
type cancelOnFinish struct{ cancel context.CancelFunc }

func (w cancelOnFinish) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "✔") {
		w.cancel()
	}
	return len(p), nil
}

func TestBadOptions(t *testing.T) {
	c := videoapi.New("http://127.0.0.1:1")
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no client", Options{N: 1}, "Client is nil"},
		{"no videos", Options{Client: c, N: 0}, "N = 0"},
		{"negative work", Options{Client: c, N: 1, Model: Model{Work: -1}}, "Work = -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, run := range []func(context.Context, Options) (Result, error){Sync, Attempt, Final} {
				if _, err := run(context.Background(), tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %v, want one containing %q", err, tt.want)
				}
			}
		})
	}
}

func TestSummaryLine(t *testing.T) {
	r := Result{Mode: "final", Videos: 100, Flagged: make([]string, 9), Wall: 12345 * 1e6}
	if got, want := r.SummaryLine(), "summary: mode=final videos=100 flagged=9 wall=12.35s"; got != want {
		t.Errorf("SummaryLine() = %q, want %q", got, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCheckFindsWhatIsWrong(t *testing.T) {
	c := start(t, testScale, 0)
	ctx := context.Background()
	ids, err := c.ListIDs(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := MarkUnchecked(ctx, c, ids); err != nil {
		t.Fatal(err)
	}
	v, err := Check(ctx, c, ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.OK() || len(v.Wrong) != 20 || !strings.Contains(v.String(), "20 of 20 videos are wrong") || !strings.Contains(v.String(), Unchecked) {
		t.Errorf("after MarkUnchecked: %s", v)
	}
	res, err := Final(ctx, Options{Client: c, N: 20})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := Check(ctx, c, ids, res.Flagged); err != nil || !v.OK() || !strings.HasPrefix(v.String(), "all 20 videos carry the right warnings; 2 flagged") {
		t.Errorf("after Final: %s, %v", v, err)
	}
	if v, _ := Check(ctx, c, ids, append([]string{"nonesuch"}, res.Flagged[1:]...)); v.OK() || len(v.Wrong) != 2 {
		t.Errorf("with a wrong flag list: %s", v)
	}
}
