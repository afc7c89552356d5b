package gate

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Sleeper on virtual time: sleepers wake only when the test
// advances the clock, so hold times are exact and cost no real time.
type fakeClock struct {
	mu       sync.Mutex
	now      time.Duration
	sleepers map[chan struct{}]time.Duration // wake-up channel -> deadline
}

func newFakeClock() *fakeClock {
	return &fakeClock{sleepers: map[chan struct{}]time.Duration{}}
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	ch := make(chan struct{})
	c.mu.Lock()
	c.sleepers[ch] = c.now + d
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.sleepers, ch)
		c.mu.Unlock()
		return ctx.Err()
	}
}

// sleeping returns the number of goroutines asleep.
func (c *fakeClock) sleeping() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// advance moves the clock to the earliest deadline and wakes every sleeper
// due by then.
func (c *fakeClock) advance() {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := time.Duration(-1)
	for _, at := range c.sleepers {
		if next < 0 || at < next {
			next = at
		}
	}
	if next < 0 {
		return
	}
	c.now = next
	for ch, at := range c.sleepers {
		if at <= next {
			close(ch)
			delete(c.sleepers, ch)
		}
	}
}

func (c *fakeClock) elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// eventually polls cond until it holds, failing the test after a while.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// outcome is what one request saw.
type outcome struct {
	w        int
	finished time.Duration
}

// runAtOnce sends n requests through g "at the same instant" (in a known
// FIFO order, all before the clock moves) and returns what each one saw and
// the total virtual time.
func runAtOnce(t *testing.T, g *Gate, clock *fakeClock, n int) ([]outcome, time.Duration) {
	t.Helper()
	out := make([]outcome, n)
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			w, err := g.Do(context.Background())
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			mu.Lock()
			out[i] = outcome{w: w, finished: clock.elapsed()}
			done++
			mu.Unlock()
		})
		// Wait until request i is in the gate, so the queue order is i's order.
		eventually(t, "request to enter the gate", func() bool {
			s := g.Stats()
			return s.InFlight+s.Waiting == i+1
		})
	}
	for {
		// Settled: every slot holder is asleep and every request is either
		// in the gate or done. Only then may virtual time move.
		eventually(t, "gate to settle", func() bool {
			s := g.Stats()
			mu.Lock()
			d := done
			mu.Unlock()
			return clock.sleeping() == s.InFlight && s.InFlight+s.Waiting+d == n
		})
		mu.Lock()
		finished := done == n
		mu.Unlock()
		if finished {
			break
		}
		clock.advance()
	}
	wg.Wait()
	return out, clock.elapsed()
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
			clock := newFakeClock()
			cfg := tt.cfg
			cfg.Sleeper = clock
			g := New(cfg)
			out, elapsed := runAtOnce(t, g, clock, tt.n)

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
	clock := newFakeClock()
	g := New(Config{Capacity: 1, MinDelay: time.Second, Scale: 1, MaxWaiting: 2, Sleeper: clock})
	var wg sync.WaitGroup
	for i := range 3 { // one holds the slot, two wait
		wg.Go(func() {
			if _, err := g.Do(context.Background()); err != nil {
				t.Errorf("request %d: %v", i, err)
			}
		})
		eventually(t, "request to enter", func() bool { s := g.Stats(); return s.InFlight+s.Waiting == i+1 })
	}
	if _, err := g.Do(context.Background()); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("4th request: err = %v, want ErrOverloaded", err)
	}
	if ra := g.RetryAfter(); ra < time.Second {
		t.Errorf("RetryAfter = %v, want at least 1s", ra)
	}
	for range 3 {
		eventually(t, "a sleeper", func() bool { return clock.sleeping() == 1 })
		clock.advance()
	}
	wg.Wait()
	if s := g.Stats(); s.Rejected != 1 || s.Served != 3 || s.InFlight != 0 || s.Waiting != 0 {
		t.Errorf("stats = %+v, want 3 served, 1 rejected, nothing left", s)
	}
}

func TestCancelledWaiterFreesItsPlace(t *testing.T) {
	clock := newFakeClock()
	g := New(Config{Capacity: 1, MinDelay: time.Second, Scale: 1, Sleeper: clock})
	holder := make(chan error)
	go func() { _, err := g.Do(context.Background()); holder <- err }()
	eventually(t, "holder asleep", func() bool { return clock.sleeping() == 1 })

	ctx, cancel := context.WithCancel(context.Background())
	queued := make(chan error)
	go func() { _, err := g.Do(ctx); queued <- err }()
	eventually(t, "waiter queued", func() bool { return g.Stats().Waiting == 1 })
	cancel()
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: err = %v, want context.Canceled", err)
	}
	if s := g.Stats(); s.Waiting != 0 || s.InFlight != 1 {
		t.Fatalf("after cancel: %+v, want 1 in flight, 0 waiting", s)
	}
	clock.advance()
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	// The slot is free again: a new request finds it without queueing.
	next := make(chan int)
	go func() { w, _ := g.Do(context.Background()); next <- w }()
	eventually(t, "next asleep", func() bool { return clock.sleeping() == 1 })
	if s := g.Stats(); s.InFlight != 1 || s.Waiting != 0 {
		t.Fatalf("next request: %+v, want it in flight, not waiting", s)
	}
	clock.advance()
	if w := <-next; w != 0 {
		t.Errorf("next w = %d, want 0", w)
	}
	if s := g.Stats(); s.Served != 2 || s.InFlight != 0 {
		t.Errorf("final stats %+v, want 2 served, none in flight", s)
	}
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
