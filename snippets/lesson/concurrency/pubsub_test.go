package concurrency

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestPubSub runs the feed for 95ms at one message per 10ms and source,
// in a synctest bubble: each producer publishes at 0, 10, ..., 90ms and is
// cancelled at 95ms, so each source gives exactly 10 messages.
func TestPubSub(t *testing.T) {
	tests := []struct {
		name    string
		sources []string
		failOn  string
	}{
		{"three cities", []string{"Kiel", "Berlin", "Munich"}, ""},
		{"one city with errors", []string{"Nowhere"}, "Nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 95*time.Millisecond)
				defer cancel()
				counts := map[string]int{}
				errs := 0
				err := PubSub(ctx, tt.sources, 10*time.Millisecond,
					func(ctx context.Context, city string) (string, error) {
						if city == tt.failOn {
							return "", errors.New("no weather")
						}
						return city, nil
					},
					func(city string, err error) { // the single consumer: no lock needed
						if err != nil {
							errs++
							return
						}
						counts[city]++
					})
				if err != nil {
					t.Fatal(err)
				}
				for _, city := range tt.sources {
					n := counts[city]
					if city == tt.failOn {
						n = errs
					}
					if n != 10 {
						t.Errorf("%s: %d messages in 95ms at one per 10ms, want 10", city, n)
					}
				}
			})
		})
	}
}

func TestPubSubRefusesNoInterval(t *testing.T) {
	for _, every := range []time.Duration{0, -time.Second} {
		fetched := false
		err := PubSub(context.Background(), []string{"Kiel"}, every,
			func(context.Context, string) (string, error) { fetched = true; return "", nil },
			func(string, error) {})
		if err == nil || !strings.Contains(err.Error(), "want a positive interval") || fetched {
			t.Errorf("PubSub every %v: error %v (fetched: %v), want an error and no fetch", every, err, fetched)
		}
	}
}
