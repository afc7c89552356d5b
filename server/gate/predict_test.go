package gate

import (
	"testing"
	"time"
)

func TestPredict(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	video := Config{Capacity: 10, MinDelay: ms(200), Step: ms(100), Scale: 1}
	tests := []struct {
		name     string
		cfg      Config
		n, limit int
		want     time.Duration
	}{
		{"one at a time", video, 100, 1, ms(20000)},
		{"within capacity", video, 100, 5, ms(4000)},
		{"at capacity", video, 100, 10, ms(2000)},
		{"one more than capacity never degrades", video, 100, 11, ms(2000)},
		// 10 start at 0; at 0.2 s the two queued get slots with 1 and 0 behind them.
		{"two queued", video, 12, 12, ms(500)},
		{"nothing to do", video, 0, 10, 0},
		{"scaled", Config{Capacity: 10, MinDelay: ms(200), Step: ms(100), Scale: 0.1}, 100, 10, ms(200)},
		{"fixed latency", Config{MinDelay: ms(250), Scale: 1}, 10, 4, ms(750)},
		{"limit above n means all at once", video, 10, 50, ms(200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Predict(tt.cfg, tt.n, tt.limit); got != tt.want {
				t.Errorf("Predict(n=%d, limit=%d) = %v, want %v", tt.n, tt.limit, got, tt.want)
			}
		})
	}
}

// TestPredictShape checks the lesson the prediction draws: the capacity is
// the fastest limit, and going beyond it costs far more than staying below.
func TestPredictShape(t *testing.T) {
	video := Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 1}
	at := func(limit int) time.Duration { return Predict(video, 100, limit) }
	for _, limit := range []int{1, 2, 5, 20, 50, 100} {
		if at(limit) < at(10) {
			t.Errorf("limit %d (%v) beats the capacity 10 (%v)", limit, at(limit), at(10))
		}
	}
	if all := at(100); all < 10*time.Second || all > 12*time.Second {
		t.Errorf("100 at once: %v, want about 11 s (the design's figure)", all)
	}
	if at(20) < 4*at(10) {
		t.Errorf("limit 20 (%v) is not clearly slower than 10 (%v): the queue should slow every slot", at(20), at(10))
	}
}

// TestPredictRoundsAsTheGate: at a scale whose holds are not whole
// nanoseconds, the prediction of one request and of a queue of two equals
// what the gate holds, to the nanosecond.
func TestPredictRoundsAsTheGate(t *testing.T) {
	for _, scale := range []float64{1.0 / 3, 0.7, 2.0 / 3, 1} {
		cfg := Config{Capacity: 1, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: scale}
		g := New(cfg)
		if got, want := Predict(cfg, 1, 1), g.Hold(0); got != want {
			t.Errorf("scale %g: one request predicted %v, the gate holds %v", scale, got, want)
		}
		// Three at once: the first holds Hold(0), the second Hold(1), the last Hold(0).
		if got, want := Predict(cfg, 3, 3), 2*g.Hold(0)+g.Hold(1); got != want {
			t.Errorf("scale %g: three at once predicted %v, the gate takes %v", scale, got, want)
		}
	}
}
