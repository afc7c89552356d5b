package concurrency

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestWithTimeout(t *testing.T) {
	tests := []struct {
		name    string
		limit   time.Duration
		work    time.Duration
		wantErr error
	}{
		{"in time", 200 * time.Millisecond, time.Millisecond, nil},
		{"too slow", 5 * time.Millisecond, 2 * time.Second, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				v, err := WithTimeout(context.Background(), tt.limit, func(ctx context.Context) (string, error) {
					return "done", Sleep(ctx, tt.work)
				})
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v, want %v", err, tt.wantErr)
				}
				if tt.wantErr == nil && v != "done" {
					t.Errorf("value %q", v)
				}
				// Virtual time (synctest): the call ends exactly at the limit
				// when the work is slower, and when the work is done otherwise.
				if took, want := time.Since(start), min(tt.limit, tt.work); took != want {
					t.Errorf("took %v, want %v", took, want)
				}
			})
		})
	}
}
