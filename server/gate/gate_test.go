package gate

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// outcome is what one request saw.
type outcome struct {
	w        int
	finished time.Duration
}

// runAtOnce sends n requests through g "at the same instant" and returns
// what each one saw and the total time. It runs inside a synctest bubble, so
// the time is virtual: hold times are exact and cost no real time. Each
// request enters the gate before the next one starts, so the queue order
// is the order of i.
func runAtOnce(t *testing.T, g *Gate, n int) ([]outcome, time.Duration) {
	t.Helper()
	out := make([]outcome, n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w, err := g.Do(context.Background())
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			out[i] = outcome{w: w, finished: time.Since(start)}
		})
		synctest.Wait() // request i holds a slot or waits in the queue
	}
	wg.Wait()
	return out, time.Since(start)
}

func TestGateConcurrentRequests(t *testing.T) {
	video := Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 1}
	transcript := Config{Capacity: 20, MinDelay: 100 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 1}
	tests := []struct {
		name    string
		cfg     Config
		n       int
		elapsed time.Duration
	}{
		{"video/1", video, 1, 200 * time.Millisecond},
		{"video/10", video, 10, 200 * time.Millisecond},
		{"video/11", video, 11, 400 * time.Millisecond},     // the 11th waits one round, nobody behind it
		{"video/20", video, 20, 1300 * time.Millisecond},    // 9 behind the 11th: 0.2 + 1.1
		{"video/100", video, 100, 10900 * time.Millisecond}, // the talk's "about 11 s"
		{"transcript/20", transcript, 20, 100 * time.Millisecond},
		{"transcript/100", transcript, 100, 4500 * time.Millisecond}, // 0.1 + 4 rounds of 1.1
		{"video/100/scale0.5", Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 0.5}, 100, 5450 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := tt.cfg
				g := New(cfg)
				out, elapsed := runAtOnce(t, g, tt.n)

				for i, o := range out {
					// Requests that found a free slot have nobody behind them;
					// the others are handed a slot with n-1-i still queued.
					want := 0
					if i >= cfg.Capacity {
						want = tt.n - 1 - i
					}
					if o.w != want {
						t.Errorf("request %d: w = %d, want %d", i, o.w, want)
					}
				}
				if elapsed != tt.elapsed {
					t.Errorf("all done after %v, want %v", elapsed, tt.elapsed)
				}
				s := g.Stats()
				wantDegraded := max(tt.n-cfg.Capacity, 0)
				if tt.n > cfg.Capacity {
					wantDegraded-- // the last one queued has nobody behind it
				}
				wantStats := Stats{
					PeakInFlight: min(tt.n, cfg.Capacity),
					PeakWaiting:  max(tt.n-cfg.Capacity, 0),
					Served:       tt.n,
					Degraded:     wantDegraded,
				}
				if s != wantStats {
					t.Errorf("stats = %+v, want %+v", s, wantStats)
				}
			})
		})
	}
}

func TestHold(t *testing.T) {
	g := New(Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 0.1})
	tests := []struct {
		w    int
		want time.Duration
	}{
		{0, 20 * time.Millisecond},
		{1, 30 * time.Millisecond},
		{10, 120 * time.Millisecond},
		{500, 120 * time.Millisecond}, // capped at DegradeCap
	}
	for _, tt := range tests {
		if got := g.Hold(tt.w); got != tt.want {
			t.Errorf("Hold(%d) = %v, want %v", tt.w, got, tt.want)
		}
	}
	if got := New(Config{MinDelay: time.Second}).Hold(3); got != 0 {
		t.Errorf("scale 0: Hold = %v, want 0", got)
	}
}

func TestMaxWaitingRejects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Config{Capacity: 1, MinDelay: time.Second, Scale: 1, MaxWaiting: 2})
		var wg sync.WaitGroup
		for i := range 3 { // one holds the slot, two wait
			wg.Go(func() {
				if _, err := g.Do(context.Background()); err != nil {
					t.Errorf("request %d: %v", i, err)
				}
			})
		}
		synctest.Wait()
		if s := g.Stats(); s.InFlight != 1 || s.Waiting != 2 {
			t.Fatalf("stats = %+v, want 1 in flight and 2 waiting", s)
		}
		if _, err := g.Do(context.Background()); !errors.Is(err, ErrOverloaded) {
			t.Fatalf("4th request: err = %v, want ErrOverloaded", err)
		}
		// The holder's round, then one round per waiting request, each
		// rounded up to the longest hold.
		if ra := g.RetryAfter(); ra != 3*time.Second {
			t.Errorf("RetryAfter = %v, want 3s", ra)
		}
		wg.Wait()
		if s := g.Stats(); s.Rejected != 1 || s.Served != 3 || s.InFlight != 0 || s.Waiting != 0 {
			t.Errorf("stats = %+v, want 3 served, 1 rejected, nothing left", s)
		}
	})
}

func TestCancelledWaiterFreesItsPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Config{Capacity: 1, MinDelay: time.Second, Scale: 1})
		holder := make(chan error)
		go func() { _, err := g.Do(context.Background()); holder <- err }()
		synctest.Wait() // the holder sleeps in its slot

		ctx, cancel := context.WithCancel(context.Background())
		queued := make(chan error)
		go func() { _, err := g.Do(ctx); queued <- err }()
		synctest.Wait()
		if s := g.Stats(); s.Waiting != 1 {
			t.Fatalf("stats = %+v, want 1 waiting", s)
		}
		cancel()
		if err := <-queued; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled waiter: err = %v, want context.Canceled", err)
		}
		if s := g.Stats(); s.Waiting != 0 || s.InFlight != 1 {
			t.Fatalf("after cancel: %+v, want 1 in flight, 0 waiting", s)
		}
		if err := <-holder; err != nil {
			t.Fatal(err)
		}
		// The slot is free again: a new request finds it without queueing.
		next := make(chan int)
		go func() { w, _ := g.Do(context.Background()); next <- w }()
		synctest.Wait()
		if s := g.Stats(); s.InFlight != 1 || s.Waiting != 0 {
			t.Fatalf("next request: %+v, want it in flight, not waiting", s)
		}
		if w := <-next; w != 0 {
			t.Errorf("next w = %d, want 0", w)
		}
		if s := g.Stats(); s.Served != 2 || s.InFlight != 0 {
			t.Errorf("final stats %+v, want 2 served, none in flight", s)
		}
	})
}

// TestCancelRace cancels waiters while slots are being handed over, on the
// real clock, and checks that no slot leaks.
func TestCancelRace(t *testing.T) {
	g := New(Config{Capacity: 2, MinDelay: time.Millisecond, Scale: 1})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%7)*time.Millisecond)
			defer cancel()
			_, _ = g.Do(ctx)
		})
	}
	wg.Wait()
	if s := g.Stats(); s.InFlight != 0 || s.Waiting != 0 {
		t.Fatalf("after all requests: %+v, want nothing in flight or waiting", s)
	}
	// Both slots are still usable.
	for range 2 {
		if w, err := g.Do(context.Background()); err != nil || w != 0 {
			t.Fatalf("Do after race: w=%d err=%v", w, err)
		}
	}
}

func TestResetStats(t *testing.T) {
	g := New(Config{Capacity: 0, MinDelay: 0, Scale: 0}) // fixed latency of zero
	for range 3 {
		if _, err := g.Do(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if s := g.Stats(); s.Served != 3 || s.PeakInFlight != 1 {
		t.Fatalf("before reset: %+v", s)
	}
	g.ResetStats()
	if s := g.Stats(); s != (Stats{}) {
		t.Errorf("after reset: %+v, want zeros", s)
	}
}

// TestRecentLatencies sends the talk's 100 requests at once through the
// video gate and reads the latencies of the last second as it drains.
func TestRecentLatencies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 1})
		if r := g.Recent(); r != (Latencies{}) {
			t.Fatalf("before any request: %+v, want zeros", r)
		}
		start := time.Now()
		out, elapsed := runAtOnce(t, g, 100)
		// The window is the current tenth of a second and the nine before.
		// Every request entered at start, so its latency is its finish time.
		last := stepOf(start.Add(elapsed))
		var inWindow []time.Duration
		for _, o := range out {
			if last-stepOf(start.Add(o.finished)) < recentSlots {
				inWindow = append(inWindow, o.finished)
			}
		}
		want := summarize(len(inWindow), inWindow)
		if len(inWindow) < 10 || want.P95 != elapsed {
			t.Fatalf("test setup: %d requests in the window, p95 %v", len(inWindow), want.P95)
		}
		if r := g.Recent(); r != want {
			t.Errorf("Recent() = %+v, want %+v", r, want)
		}
		time.Sleep(RecentWindow)
		if r := g.Recent(); r != (Latencies{}) {
			t.Errorf("a second later: %+v, want zeros", r)
		}
		g.Do(context.Background())
		g.ResetStats()
		if r := g.Recent(); r != (Latencies{}) {
			t.Errorf("after ResetStats: %+v, want zeros", r)
		}
	})
}

func TestRecentSamplesBounded(t *testing.T) {
	var r recentLatencies
	now := time.Unix(1000, 0)
	for i := range 3 * maxSamplesPerSlot {
		r.add(now, time.Duration(i))
	}
	n, samples := r.collect(now, nil)
	if n != 3*maxSamplesPerSlot || len(samples) != maxSamplesPerSlot {
		t.Errorf("count %d with %d samples, want %d with %d", n, len(samples), 3*maxSamplesPerSlot, maxSamplesPerSlot)
	}
	// Ten steps on, the slot is reused and the old samples are gone.
	n, _ = r.collect(now.Add(RecentWindow), nil)
	if n != 0 {
		t.Errorf("a window later: count %d, want 0", n)
	}
}

func TestNotify(t *testing.T) {
	var calls atomic.Int64
	g := New(Config{Capacity: 1, Notify: func() { calls.Add(1) }})
	if _, err := g.Do(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("one request: %d notifications, want 2 (slot taken, slot released)", n)
	}
	g.ResetStats()
	if n := calls.Load(); n != 3 {
		t.Errorf("after ResetStats: %d notifications, want 3", n)
	}
}

// TestNotifyFollowsEveryChange checks, on virtual time, that whenever the
// gate is quiet its last notification saw the current counters: a watcher
// that reads the counters when notified (the live stream) sees a request
// take a slot, join the queue, be turned away, be handed a slot and leave.
func TestNotifyFollowsEveryChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu   sync.Mutex
			seen Stats // what the last notification read
			g    *Gate
		)
		g = New(Config{Capacity: 1, MinDelay: time.Second, Scale: 1, MaxWaiting: 1, Notify: func() {
			st := g.Stats()
			mu.Lock()
			seen = st
			mu.Unlock()
		}})
		steps := []struct {
			name string
			act  func()
			want Stats
		}{
			{"a request takes the free slot", func() { go g.Do(context.Background()) },
				Stats{InFlight: 1, PeakInFlight: 1}},
			{"a second one joins the queue", func() { go g.Do(context.Background()) },
				Stats{InFlight: 1, Waiting: 1, PeakInFlight: 1, PeakWaiting: 1}},
			{"a third one is turned away", func() { go g.Do(context.Background()) },
				Stats{InFlight: 1, Waiting: 1, PeakInFlight: 1, PeakWaiting: 1, Rejected: 1}},
			{"the first leaves and hands its slot over", func() { time.Sleep(time.Second) },
				Stats{InFlight: 1, PeakInFlight: 1, PeakWaiting: 1, Served: 1, Rejected: 1}},
			{"the second leaves", func() { time.Sleep(time.Second) },
				Stats{PeakInFlight: 1, PeakWaiting: 1, Served: 2, Rejected: 1}},
		}
		for _, s := range steps {
			s.act()
			synctest.Wait()
			mu.Lock()
			got := seen
			mu.Unlock()
			if now := g.Stats(); now != s.want || got != now {
				t.Errorf("%s: counters %+v (want %+v), last notification saw %+v", s.name, now, s.want, got)
			}
		}
	})
}
