package concurrency

import (
	"context"
	"errors"
	"testing"
	"time"
)

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
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			counts := map[string]int{}
			errs := 0
			PubSub(ctx, tt.sources, 10*time.Millisecond,
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
			for _, city := range tt.sources {
				n := counts[city]
				if city == tt.failOn {
					n = errs
				}
				if n < 2 || n > 11 {
					t.Errorf("%s: %d messages in 100ms at one per 10ms", city, n)
				}
			}
		})
	}
}
