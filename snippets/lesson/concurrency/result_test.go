package concurrency

import "testing"

func TestAsync(t *testing.T) {
	tests := []struct{ in, want int }{{2, 4}, {0, 0}, {-3, 9}}
	for _, tt := range tests {
		ch := Async(func() int { return tt.in * tt.in })
		if got := <-ch; got != tt.want {
			t.Errorf("Async(%d^2) = %d", tt.in, got)
		}
	}
}
