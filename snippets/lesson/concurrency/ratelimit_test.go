package concurrency

import (
	"context"
	"slices"
	"testing"
	"time"
)

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
			var g gauge
			start := time.Now()
			got, err := RateLimited(context.Background(), tt.n, tt.perSecond, tt.burst, g.call(0, -1))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, squares(tt.n)) {
				t.Errorf("results %v", got)
			}
			// After the burst, each start waits for a token.
			least := time.Duration(float64(tt.n-tt.burst) / tt.perSecond * float64(time.Second))
			if wall := time.Since(start); wall < least*9/10 {
				t.Errorf("%d calls took %v, the limit allows no less than %v", tt.n, wall, least)
			}
		})
	}
}
