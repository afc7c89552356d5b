package gate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var videoGate = Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 1, MaxClients: 8}

// sendAs starts n requests of the named client through g, each entering
// the gate before the next starts; their errors arrive on the channel.
func sendAs(g *Gate, client string, n int) <-chan error {
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := g.DoAs(context.Background(), client, nil)
			errs <- err
		}()
		synctest.Wait()
	}
	return errs
}

// TestClientStats: three clients send 100 requests each at once through the
// video gate; the queue's 290 are split between them, and each client's
// counters add up to the gate's.
func TestClientStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(videoGate)
		var errs []<-chan error
		for _, name := range []string{"ana", "ben", "cleo"} {
			errs = append(errs, sendAs(g, name, 100))
		}
		clients, total := g.ClientStats(), g.Stats()
		if total.Waiting != 290 || total.InFlight != 10 {
			t.Fatalf("gate: %+v, want 10 in flight, 290 waiting", total)
		}
		want := map[string]Stats{ // ana came first and took every slot
			"ana":  {InFlight: 10, Waiting: 90, PeakInFlight: 10, PeakWaiting: 90},
			"ben":  {Waiting: 100, PeakWaiting: 100},
			"cleo": {Waiting: 100, PeakWaiting: 100},
		}
		if fmt.Sprint(clients) != fmt.Sprint(want) {
			t.Errorf("clients %+v, want %+v", clients, want)
		}
		for _, ch := range errs {
			for range 100 {
				if err := <-ch; err != nil {
					t.Fatal(err)
				}
			}
		}
		served, degraded := 0, 0
		for name, s := range g.ClientStats() {
			if s.InFlight != 0 || s.Waiting != 0 || s.Served != 100 {
				t.Errorf("%s after the burst: %+v, want 100 served and nothing left", name, s)
			}
			served, degraded = served+s.Served, degraded+s.Degraded
		}
		if total := g.Stats(); served != total.Served || degraded != total.Degraded || total.PeakWaiting != 290 {
			t.Errorf("clients served %d (%d degraded), the gate %+v", served, degraded, total)
		}
	})
}

// TestClientLimit: past MaxClients, new names count as OtherClients, so the
// memory stays bounded whatever names arrive; a reset makes room again.
func TestClientLimit(t *testing.T) {
	cfg := Config{MaxClients: 3}
	g := New(cfg)
	for i := range 10 {
		if _, err := g.DoAs(context.Background(), fmt.Sprintf("client%d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Do(context.Background()); err != nil { // no name: the total only
		t.Fatal(err)
	}
	got := g.ClientStats()
	if len(got) != cfg.MaxClients+1 || got[OtherClients].Served != 7 || got["client0"].Served != 1 || g.Stats().Served != 11 {
		t.Errorf("clients %+v, total %+v: want client0..2, and 7 under %q", got, g.Stats(), OtherClients)
	}
	g.ResetStats()
	if got := g.ClientStats(); got != nil {
		t.Errorf("after a reset: %+v, want none", got)
	}
	if _, err := g.DoAs(context.Background(), "late", nil); err != nil || g.ClientStats()["late"].Served != 1 {
		t.Errorf("a new name after the reset: %v, %+v", err, g.ClientStats())
	}
	if none := New(Config{}); none.ClientStats() != nil {
		t.Error("a gate counting no clients apart has client counters")
	}
}

// TestResetDropsTheQueue: a reset answers every queued request at once with
// ErrDropped; those holding a slot finish as usual; the counters restart
// from them.
func TestResetDropsTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(videoGate)
		start := time.Now()
		errs := sendAs(g, "ana", 30)
		g.ResetStats()
		synctest.Wait()
		if s := g.Stats(); s != (Stats{InFlight: 10, PeakInFlight: 10}) {
			t.Errorf("after the reset: %+v, want the 10 in flight only", s)
		}
		dropped := 0
		for range 20 {
			if err := <-errs; errors.Is(err, ErrDropped) {
				dropped++
			}
		}
		if dropped != 20 || time.Since(start) != 0 {
			t.Errorf("%d of the 20 queued dropped after %v, want all at once", dropped, time.Since(start))
		}
		for range 10 {
			if err := <-errs; err != nil {
				t.Errorf("a request holding its slot: %v", err)
			}
		}
		if time.Since(start) != g.Hold(0) {
			t.Errorf("the slots were held %v, want %v", time.Since(start), g.Hold(0))
		}
		if s, c := g.Stats(), g.ClientStats()["ana"]; s.Served != 10 || c.Served != 10 || c.InFlight != 0 {
			t.Errorf("after the ten: gate %+v, ana %+v", s, c)
		}
	})
}

// TestResetClient: a client's reset drops its own queued requests only and
// zeroes its own counters and the gate's totals, not another client's.
func TestResetClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(videoGate)
		ana := sendAs(g, "ana", 15) // 10 in flight, 5 queued
		ben := sendAs(g, "ben", 5)  // 5 queued behind
		g.ResetClient("ben")
		synctest.Wait()
		for range 5 {
			if err := <-ben; !errors.Is(err, ErrDropped) {
				t.Errorf("ben's queued request: %v, want dropped", err)
			}
		}
		if s := g.Stats(); s != (Stats{InFlight: 10, Waiting: 5, PeakInFlight: 10, PeakWaiting: 5}) {
			t.Errorf("gate after ben's reset: %+v", s)
		}
		if c := g.ClientStats(); c["ana"].PeakWaiting != 5 || c["ana"].Waiting != 5 || len(c) != 1 {
			t.Errorf("clients after ben's reset: %+v, want ana's untouched and ben forgotten", c)
		}
		for range 15 {
			if err := <-ana; err != nil {
				t.Errorf("ana's request: %v", err)
			}
		}
	})
}

// TestWorkDuringTheHold: work runs once the slot is held and its time
// counts in the hold; work longer than the hold makes the hold that long.
func TestWorkDuringTheHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Config{Capacity: 1, MinDelay: 100 * time.Millisecond, Scale: 1})
		for _, work := range []time.Duration{30 * time.Millisecond, 250 * time.Millisecond} {
			start := time.Now()
			var inFlight int
			_, err := g.DoAs(context.Background(), "", func() {
				inFlight = g.Stats().InFlight
				time.Sleep(work)
			})
			if want := max(work, g.Hold(0)); err != nil || time.Since(start) != want || inFlight != 1 {
				t.Errorf("work of %v: done after %v (%v), in flight during it %d; want %v and 1", work, time.Since(start), err, inFlight, want)
			}
		}
	})
}

// TestClientCountsUnderRace sends many clients' requests, some cancelled,
// some rejected, with resets in between: the counters never go negative
// and end at zero in flight and waiting.
func TestClientCountsUnderRace(t *testing.T) {
	g := New(Config{Capacity: 2, MinDelay: time.Millisecond, Scale: 1, MaxWaiting: 5, MaxClients: 3})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%4)*time.Millisecond)
			defer cancel()
			_, _ = g.DoAs(ctx, fmt.Sprintf("c%d", i%5), nil)
			if i%50 == 0 {
				g.ResetClient(fmt.Sprintf("c%d", i%5))
			}
		})
	}
	wg.Wait()
	if s := g.Stats(); s.InFlight != 0 || s.Waiting != 0 {
		t.Errorf("gate after all: %+v", s)
	}
	for name, s := range g.ClientStats() {
		if s.InFlight != 0 || s.Waiting != 0 || s.PeakInFlight < 0 {
			t.Errorf("%s after all: %+v", name, s)
		}
	}
}
