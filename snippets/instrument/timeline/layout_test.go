package timeline

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// overlaps is the test's own statement of when two spans are open at once:
// a span of length occupies [Start, End), one of zero length the instant
// Start.
func overlaps(a, b Span) bool {
	ae, be := max(a.End, a.Start), max(b.End, b.Start)
	switch {
	case a.Start == ae && b.Start == be:
		return a.Start == b.Start
	case a.Start == ae:
		return b.Start <= a.Start && a.Start < be
	case b.Start == be:
		return a.Start <= b.Start && b.Start < ae
	}
	return a.Start < be && b.Start < ae
}

// bruteForcePeak counts, at every span's start, the spans open then.
func bruteForcePeak(spans []Span) int {
	peak := 0
	for _, s := range spans {
		open := 0
		for _, o := range spans {
			if overlaps(Span{Start: s.Start, End: s.Start}, o) {
				open++
			}
		}
		peak = max(peak, open)
	}
	return peak
}

// randomSpans returns n spans of one lane, many overlapping, some touching
// end to start and some of zero length, on a coarse clock.
func randomSpans(rng *rand.Rand, n int) []Span {
	out := make([]Span, n)
	for i := range out {
		start := ms(rng.IntN(50))
		length := ms(rng.IntN(6)) // 0..5 ms, zero length one time in six
		out[i] = Span{"a", fmt.Sprint(i), start, start + length}
	}
	return out
}

func TestPackRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name  string
		spans []Span
		rows  int // -1: whatever the brute force says
	}{
		{"none", nil, 0},
		{"one", []Span{{"a", "1", 0, ms(10)}}, 1},
		{"sequential", sequential4(), 1},
		{"back to back share a row", []Span{{"a", "1", 0, ms(10)}, {"a", "2", ms(10), ms(20)}}, 1},
		{"overlap", []Span{{"a", "1", 0, ms(10)}, {"a", "2", ms(5), ms(20)}}, 2},
		{"a freed row is reused", []Span{{"a", "1", 0, ms(10)}, {"a", "2", ms(1), ms(30)}, {"a", "3", ms(12), ms(20)}}, 2},
		{"nested three", []Span{{"a", "1", 0, ms(30)}, {"a", "2", ms(1), ms(20)}, {"a", "3", ms(2), ms(3)}, {"a", "4", ms(25), ms(26)}}, 3},
		{"zero length alone", []Span{{"a", "1", ms(5), ms(5)}}, 1},
		{"zero length inside a span", []Span{{"a", "1", 0, ms(10)}, {"a", "2", ms(5), ms(5)}}, 2},
		{"zero length at an end", []Span{{"a", "1", 0, ms(5)}, {"a", "2", ms(5), ms(5)}}, 1},
		{"zero length at a start", []Span{{"a", "1", ms(5), ms(5)}, {"a", "2", ms(5), ms(9)}}, 2},
		{"end before start is zero length", []Span{{"a", "1", ms(5), ms(2)}, {"a", "2", 0, ms(9)}}, 2},
		{"ten at a time", gate10(), 10},
		{"all at once", burst100(), 100},
		{"random 20", randomSpans(rng, 20), -1},
		{"random 200", randomSpans(rng, 200), -1},
		{"random 1000", randomSpans(rng, 1000), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sorted, rows, n := packRows(tt.spans)
			peak := bruteForcePeak(tt.spans)
			if tt.rows >= 0 && peak != tt.rows {
				t.Fatalf("test case: brute-force peak %d, want %d", peak, tt.rows)
			}
			if n != peak {
				t.Errorf("%d rows, want the peak concurrency %d", n, peak)
			}
			if got := FromSpans(tt.spans).Peak("a"); len(tt.spans) > 0 && tt.spans[0].Lane == "a" && got != peak {
				t.Errorf("Peak = %d, want %d", got, peak)
			}
			if !slices.IsSortedFunc(sorted, byStart) || len(sorted) != len(tt.spans) || len(rows) != len(sorted) {
				t.Fatalf("packRows returned %d spans (sorted %v) and %d rows", len(sorted), slices.IsSortedFunc(sorted, byStart), len(rows))
			}
			for i := range sorted {
				if rows[i] < 0 || rows[i] >= n {
					t.Fatalf("span %v in row %d of %d", sorted[i], rows[i], n)
				}
				for j := i + 1; j < len(sorted); j++ {
					if rows[i] == rows[j] && overlaps(sorted[i], sorted[j]) {
						t.Errorf("row %d holds %v and %v, which overlap", rows[i], sorted[i], sorted[j])
					}
				}
			}
		})
	}
}

func TestPackRowsIgnoresRecordingOrder(t *testing.T) {
	spans := randomSpans(rand.New(rand.NewPCG(5, 6)), 300)
	wantSorted, wantRows, _ := packRows(spans)
	slices.Reverse(spans)
	gotSorted, gotRows, _ := packRows(spans)
	if !slices.Equal(gotSorted, wantSorted) || !slices.Equal(gotRows, wantRows) {
		t.Error("the layout depends on the order the spans were recorded in")
	}
}

func TestOpenPerColumn(t *testing.T) {
	tests := []struct {
		name  string
		spans []Span
		xmax  time.Duration
		cols  int
		want  []int
		mean  []float64
	}{
		{"none", nil, ms(40), 4, []int{0, 0, 0, 0}, []float64{0, 0, 0, 0}},
		{"one span over two columns", []Span{{"a", "1", ms(10), ms(30)}}, ms(40), 4, []int{0, 1, 1, 0}, []float64{0, 1, 1, 0}},
		{"ends inside a column", []Span{{"a", "1", ms(10), ms(25)}}, ms(40), 4, []int{0, 1, 1, 0}, []float64{0, 1, 0.5, 0}},
		{"two overlap in one column", []Span{{"a", "1", 0, ms(12)}, {"a", "2", ms(11), ms(40)}}, ms(40), 4, []int{1, 2, 1, 1}, []float64{1, 1.1, 1, 1}},
		{"touching never counts two", []Span{{"a", "1", 0, ms(20)}, {"a", "2", ms(20), ms(40)}}, ms(40), 4, []int{1, 1, 1, 1}, []float64{1, 1, 1, 1}},
		{"a burst narrower than a column shows", []Span{{"a", "1", ms(21), ms(22)}, {"a", "2", ms(21), ms(22)}, {"a", "3", ms(21), ms(23)}}, ms(40), 4, []int{0, 0, 3, 0}, []float64{0, 0, 0.4, 0}},
		{"zero length counts at its instant", []Span{{"a", "1", ms(35), ms(35)}}, ms(40), 4, []int{0, 0, 0, 1}, []float64{0, 0, 0, 0}},
		{"end at xmax stays in the last column", []Span{{"a", "1", ms(30), ms(40)}}, ms(40), 4, []int{0, 0, 0, 1}, []float64{0, 0, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			most, mean := openPerColumn(tt.spans, tt.xmax, tt.cols)
			if !slices.Equal(most, tt.want) {
				t.Errorf("most open = %v, want %v", most, tt.want)
			}
			for i := range mean {
				if math.Abs(mean[i]-tt.mean[i]) > 1e-9 {
					t.Errorf("mean open = %v, want %v", mean, tt.mean)
					break
				}
			}
		})
	}
	// The tallest column is the peak, however narrow the columns.
	for _, spans := range [][]Span{burst100(), gate10(), randomSpans(rand.New(rand.NewPCG(7, 8)), 500)} {
		peak, _ := peakOpen(spans)
		for _, cols := range []int{1, 7, 730, 5000} {
			most, mean := openPerColumn(spans, ms(11000), cols)
			if got := slices.Max(most); got != peak {
				t.Errorf("%d columns: tallest %d, want the peak %d", cols, got, peak)
			}
			// The mean holds all the time spent: its area is the spans' total length.
			var area, total float64
			for _, m := range mean {
				area += m * 11000 / float64(cols)
			}
			for _, s := range spans {
				total += float64(max(s.End, s.Start)-s.Start) / float64(time.Millisecond)
			}
			if math.Abs(area-total) > 1e-6*total {
				t.Errorf("%d columns: mean area %v ms, spans %v ms", cols, area, total)
			}
		}
	}
}

func TestWaitingGaps(t *testing.T) {
	tests := []struct {
		name   string
		spans  []Span
		minGap time.Duration
		want   []Span
	}{
		{"one step each: nothing to wait for", []Span{{"a", "x", 0, ms(5)}, {"a", "y", ms(9), ms(10)}}, 0, nil},
		{"steps back to back", []Span{{"a", "x", 0, ms(5)}, {"b", "x", ms(5), ms(10)}}, 0, nil},
		{"a gap between steps", []Span{{"a", "x", 0, ms(5)}, {"b", "x", ms(8), ms(10)}}, 0, []Span{{"w", "x", ms(5), ms(8)}}},
		{"a gap shorter than minGap", []Span{{"a", "x", 0, ms(5)}, {"b", "x", ms(8), ms(10)}}, ms(4), nil},
		{"steps in parallel cover each other", []Span{{"a", "x", 0, ms(5)}, {"b", "x", 0, ms(9)}, {"c", "x", ms(9), ms(10)}}, 0, nil},
		{"a gap after the longer of two parallel steps", []Span{{"a", "x", 0, ms(9)}, {"b", "x", ms(1), ms(3)}, {"c", "x", ms(12), ms(13)}}, 0, []Span{{"w", "x", ms(9), ms(12)}}},
		{"items in label order", []Span{{"a", "y", 0, ms(1)}, {"b", "y", ms(2), ms(3)}, {"a", "x", 0, ms(1)}, {"b", "x", ms(4), ms(5)}}, 0,
			[]Span{{"w", "x", ms(1), ms(4)}, {"w", "y", ms(1), ms(2)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := waitingGaps(tt.spans, "w", tt.minGap); !slices.Equal(got, tt.want) {
				t.Errorf("waitingGaps = %v, want %v", got, tt.want)
			}
		})
	}
	// In the final version at 1 s, every transcript is in, 5 videos are
	// being fetched and 2 are in the model: the other 93 wait, for a video
	// slot or for a core.
	peak, at := peakOpen(waitingGaps(final400(), "w", 0))
	if peak != 93 || at != ms(1000) {
		t.Errorf("final400: %d waiting at most, at %v; want 93 at 1s", peak, at)
	}
}
