package concurrency

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestRateLimited runs in a synctest bubble: the limiter's waits take
// virtual time, so the wall time is the limit's own, on any machine.
func TestRateLimited(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		perSecond float64
		burst     int
	}{
		{"burst covers all", 5, 10, 5},
		{"10 at 100/s after a burst of 1", 10, 100, 1},
		{"20 at 400/s after a burst of 5", 20, 400, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g gauge
				start := time.Now()
				got, err := RateLimited(context.Background(), tt.n, tt.perSecond, tt.burst, g.call(0, -1))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, squares(tt.n)) {
					t.Errorf("results %v", got)
				}
				// After the burst, each start waits for a token: the last
				// one comes (n - burst) tokens after the start.
				want := time.Duration(float64(tt.n-tt.burst) / tt.perSecond * float64(time.Second))
				if wall := time.Since(start); wall < want || wall > want+time.Millisecond {
					t.Errorf("%d calls took %v, want %v", tt.n, wall, want)
				}
			})
		})
	}
}

func TestRateLimitedRefusesNoRate(t *testing.T) {
	for _, tt := range []struct {
		perSecond float64
		burst     int
		want      string
	}{
		{0, 1, "want a positive rate"},
		{-5, 1, "want a positive rate"},
		{10, 0, "want at least 1"},
	} {
		var g gauge
		_, err := RateLimited(context.Background(), 3, tt.perSecond, tt.burst, g.call(0, -1))
		if err == nil || !strings.Contains(err.Error(), tt.want) || g.calls.Load() != 0 {
			t.Errorf("RateLimited(%g/s, burst %d): error %v after %d calls, want %q", tt.perSecond, tt.burst, err, g.calls.Load(), tt.want)
		}
	}
}
