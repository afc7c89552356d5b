package clientcount

import (
	"context"
	"sync"
	"testing"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// testScale speeds the server's latency model up for these tests.
const testScale = 0.1

// fetchAll fetches the videos of ids with at most limit requests at once
// (limit 0: all at once), as 01's exercise asks (the right answer with 5).
func fetchAll(ctx context.Context, c *videoapi.Client, ids []string, limit int) {
	if limit == 0 {
		limit = len(ids)
	}
	slots := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, id := range ids {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			_, _ = c.Video(ctx, id)
		})
	}
	wg.Wait()
}

// takeTwo fetches a video and its transcript for each of the first two ids,
// as a lazy iterator does for a loop that breaks after two texts (02's right
// answer); eager fetches every id first (the wrong one).
func takeTwo(ctx context.Context, c *videoapi.Client, ids []string, eager bool) {
	n := 2
	if eager {
		n = len(ids)
	}
	for _, id := range ids[:n] {
		_, _ = c.Video(ctx, id)
		_, _ = c.Transcript(ctx, id)
	}
}

// hammer sends requests to the video and transcript endpoints from 15
// goroutines, as another attendee's kernel would, until ctx ends.
func hammer(ctx context.Context, c *videoapi.Client, ids []string) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := range 15 {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, _ = c.Video(ctx, ids[i%len(ids)])
				_, _ = c.Transcript(ctx, ids[i%len(ids)])
			}
		})
	}
	return &wg
}

// TestCountIgnoresOtherClients: while a second client hammers the same
// server, the counts of the client under test are its own: a right answer
// passes 01's and 02's checks and a wrong one still fails them, where the
// server's totals, which the other client's requests swell, would fail
// the right answer.
func TestCountIgnoresOtherClients(t *testing.T) {
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = testScale
	srv := servertest.Start(t, cfg)
	ctx := context.Background()
	ids, err := videoapi.New(srv.URL).ListIDs(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	other := videoapi.New(srv.URL, videoapi.WithName("other"))
	hammerCtx, stop := context.WithCancel(ctx)
	wg := hammer(hammerCtx, other, ids)
	defer func() { stop(); wg.Wait() }()

	tests := []struct {
		name   string
		run    func(c *videoapi.Client)
		passes func(r *Requests) bool
		wantOK bool
	}{
		{"01: limit 5", func(c *videoapi.Client) { fetchAll(ctx, c, ids, 5) },
			func(r *Requests) bool { p := r.PeakInFlight("video"); return p >= 2 && p <= 5 }, true},
		{"01: no limit", func(c *videoapi.Client) { fetchAll(ctx, c, ids, 0) },
			func(r *Requests) bool { p := r.PeakInFlight("video"); return p >= 2 && p <= 5 }, false},
		{"01: one at a time", func(c *videoapi.Client) { fetchAll(ctx, c, ids, 1) },
			func(r *Requests) bool { p := r.PeakInFlight("video"); return p >= 2 && p <= 5 }, false},
		{"02: lazy", func(c *videoapi.Client) { takeTwo(ctx, c, ids[:5], false) },
			func(r *Requests) bool { return r.Sent("video") == 2 && r.Sent("transcript") == 2 }, true},
		{"02: eager", func(c *videoapi.Client) { takeTwo(ctx, c, ids[:5], true) },
			func(r *Requests) bool { return r.Sent("video") == 2 && r.Sent("transcript") == 2 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mine := videoapi.New(srv.URL, videoapi.WithName("learner"))
			counted, reqs := Count(mine)
			tt.run(counted)
			if got := tt.passes(reqs); got != tt.wantOK {
				t.Errorf("check passed: %v, want %v (video: %d sent, %d at once; transcript: %d sent)",
					got, tt.wantOK, reqs.Sent("video"), reqs.PeakInFlight("video"), reqs.Sent("transcript"))
			}
			// The server's own totals count the other client's requests too.
			st, err := mine.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v := st["video"]; v.Served <= reqs.Sent("video") || v.PeakInFlight <= 5 {
				t.Errorf("the server served %d videos, %d at once; this client sent %d: the other client was not running (it keeps the gate's 10 slots full)", v.Served, v.PeakInFlight, reqs.Sent("video"))
			}
		})
	}
}

// TestCountInFlight: a request stays in flight until its answer is read,
// and every endpoint is counted under the server's name for it.
func TestCountInFlight(t *testing.T) {
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = testScale
	srv := servertest.Start(t, cfg)
	ctx := context.Background()
	counted, reqs := Count(videoapi.New(srv.URL))
	ids, err := counted.ListIDs(ctx, 12)
	if err != nil {
		t.Fatal(err)
	}
	fetchAll(ctx, counted, ids, 0)
	if _, err := counted.Video(ctx, "no-such-video"); err == nil {
		t.Fatal("an unknown video: no error")
	}
	if err := counted.SaveWarnings(ctx, ids[0], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := counted.Tile(ctx, 1, 0, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		endpoint string
		sent     int
		minPeak  int // all 12 videos at once, unless one ended before the last began
	}{
		{"videos_list", 1, 1},
		{"video", 13, 2},
		{"patch", 1, 1},
		{"tiles", 1, 1},
		{"transcript", 0, 0},
	}
	for _, tt := range tests {
		if s, p := reqs.Sent(tt.endpoint), reqs.PeakInFlight(tt.endpoint); s != tt.sent || p < tt.minPeak || p > min(s, 12) {
			t.Errorf("%s: %d sent, %d at once; want %d sent, %d to %d at once", tt.endpoint, s, p, tt.sent, tt.minPeak, min(tt.sent, 12))
		}
	}
	// The requests ended: one more at a time peaks at 1 on a fresh count.
	again, reqs2 := Count(counted)
	for _, id := range ids[:3] {
		if _, err := again.Video(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if p := reqs2.PeakInFlight("video"); p != 1 {
		t.Errorf("three videos one after another: %d at once, want 1", p)
	}
}
