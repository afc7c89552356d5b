package percentile

import (
	"slices"
	"testing"
	"time"
)

func ms(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

// The nearest rank: the smallest value with at least p% of the values at or
// below it, whatever the order the values come in.
func TestOf(t *testing.T) {
	one21 := ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
	tests := []struct {
		values []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 50, 7 * time.Millisecond},
		{ms(7), 95, 7 * time.Millisecond},
		{ms(2, 1), 50, 1 * time.Millisecond},
		{ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 95, 4 * time.Millisecond},
		{one21[:20], 95, 19 * time.Millisecond},
		{one21, 95, 20 * time.Millisecond},
		{ms(5, 1, 4, 2, 3, 10, 9, 8, 7, 6), 50, 5 * time.Millisecond},
		{ms(5, 1, 4, 2, 3, 10, 9, 8, 7, 6), 10, 1 * time.Millisecond},
		{ms(5, 1, 4, 2, 3, 10, 9, 8, 7, 6), 0, 1 * time.Millisecond},
		{ms(5, 1, 9), 100, 9 * time.Millisecond},
		{ms(5, 1, 9), 150, 9 * time.Millisecond},
	}
	for _, tt := range tests {
		before := slices.Clone(tt.values)
		if got := Of(tt.values, tt.p); got != tt.want {
			t.Errorf("Of(%v, %v) = %v, want %v", tt.values, tt.p, got, tt.want)
		}
		if !slices.Equal(tt.values, before) {
			t.Errorf("Of(%v, %v) reordered its values", before, tt.p)
		}
		sorted := slices.Sorted(slices.Values(tt.values))
		if got := Sorted(sorted, tt.p); got != tt.want {
			t.Errorf("Sorted(%v, %v) = %v, want %v", sorted, tt.p, got, tt.want)
		}
	}
}
