package timeline

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// Span is one piece of work: its lane (the kind of work), a label (which
// item) and its start and end as offsets from the recorder's start. Spans
// with the same label are steps of the same item: the chart counts the
// time between them as the item waiting. An End before Start is drawn and
// counted as a span of zero length.
type Span struct {
	Lane, Label string
	Start, End  time.Duration
}

// Recorder collects spans from many goroutines. The zero value is not
// usable; call New. A nil *Recorder is valid and records nothing, so code
// can take an optional recorder without checking it.
type Recorder struct {
	mu      sync.Mutex
	start   time.Time
	stopped time.Duration // > 0 once the clock is frozen
	spans   []Span        // finished spans, in finishing order
	lanes   []string      // first-seen order
	live    io.Writer
	color   bool
	header  int        // number of lanes named in the last header printed live
	pending []liveLine // live lines not written yet, in order

	// writing is held by the goroutine writing the pending lines, outside
	// mu: a slow output never holds up the goroutines being recorded.
	writing sync.Mutex
}

// New returns a Recorder whose clock starts now.
func New() *Recorder {
	return &Recorder{start: time.Now()}
}

// FromSpans returns a stopped Recorder holding the given spans, with its
// wall time set to the latest end. It is meant for rendering recorded or
// hand-made timelines (and for tests with fixed output).
func FromSpans(spans []Span) *Recorder {
	r := &Recorder{start: time.Now()}
	for _, s := range spans {
		r.addLane(s.Lane)
		r.spans = append(r.spans, s)
		r.stopped = max(r.stopped, s.End)
	}
	if r.stopped == 0 {
		r.stopped = time.Nanosecond
	}
	return r
}

// DeclareLanes fixes the column order of lanes not seen yet, so the log's
// columns are stable from the first line.
func (r *Recorder) DeclareLanes(lanes ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range lanes {
		r.addLane(l)
	}
}

// SetLive makes the Recorder print each start and finish to w as it happens,
// one column per lane, coloured with ANSI escapes when color is true.
// Pass a nil w to stop printing; the lines of events recorded before the
// call are written first, to the writer they were meant for.
//
// The goroutines being recorded do not wait for w: the lines are queued in
// order and written by whichever goroutine finds nobody writing, so a slow
// output (a notebook's, say) holds up at most the one goroutine writing.
// Stop and SetLive wait until every queued line is written.
func (r *Recorder) SetLive(w io.Writer, color bool) {
	if r == nil {
		return
	}
	r.flushLive()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live, r.color, r.header = w, color, 0
}

// Begin starts a span now and returns the function that ends it. It is safe
// to call from many goroutines; calling end more than once has no effect.
func (r *Recorder) Begin(lane, label string) (end func()) {
	if r == nil {
		return func() {}
	}
	r.mu.Lock()
	start := r.elapsedLocked()
	r.addLane(lane)
	r.queueLocked(event{at: start, lane: lane, label: label, start: true})
	r.mu.Unlock()
	r.writeLive()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			s := Span{Lane: lane, Label: label, Start: start, End: r.elapsedLocked()}
			r.spans = append(r.spans, s)
			r.queueLocked(event{at: s.End, lane: lane, label: label})
			r.mu.Unlock()
			r.writeLive()
		})
	}
}

// Track records f as a span: Begin, run f, end. It returns f's error.
func (r *Recorder) Track(lane, label string, f func() error) error {
	end := r.Begin(lane, label)
	defer end()
	return f()
}

// Stop freezes the clock: Elapsed keeps returning the time of this call.
// It returns once every live line queued so far is written.
func (r *Recorder) Stop() {
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.stopped == 0 {
		r.stopped = max(time.Since(r.start), time.Nanosecond)
	}
	r.mu.Unlock()
	r.flushLive()
}

// Elapsed returns the time since New (or up to Stop).
func (r *Recorder) Elapsed() time.Duration {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.elapsedLocked()
}

func (r *Recorder) elapsedLocked() time.Duration {
	if r.stopped > 0 {
		return r.stopped
	}
	return time.Since(r.start)
}

// Spans returns the finished spans sorted by start (then lane order, then end).
func (r *Recorder) Spans() []Span {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sortedLocked()
}

func (r *Recorder) sortedLocked() []Span {
	out := slices.Clone(r.spans)
	order := r.laneIndexLocked()
	slices.SortStableFunc(out, func(a, b Span) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(order[a.Lane], order[b.Lane]), cmp.Compare(a.End, b.End))
	})
	return out
}

// Lanes returns the lane names in the order they were first seen (or declared).
func (r *Recorder) Lanes() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lanes)
}

// Peak returns the largest number of spans of lane that were open at once.
// Spans that touch end to start do not overlap; a span of zero length is
// open at its instant. The chart gives the lane this many rows.
func (r *Recorder) Peak(lane string) int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return peakOf(r.spans, lane)
}

// peakOf returns the largest number of spans of lane open at once.
func peakOf(spans []Span, lane string) int {
	peak, _ := peakOpen(laneSpans(spans, lane))
	return peak
}

// laneSpans returns the spans of lane.
func laneSpans(spans []Span, lane string) []Span {
	var out []Span
	for _, s := range spans {
		if s.Lane == lane {
			out = append(out, s)
		}
	}
	return out
}

// Summary returns one line such as "wall 2.03s | peak: get video 5, transcript 10".
func (r *Recorder) Summary() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.summaryLocked()
}

func (r *Recorder) summaryLocked() string {
	parts := make([]string, 0, len(r.lanes))
	for _, l := range r.lanes {
		parts = append(parts, fmt.Sprintf("%s %d", l, peakOf(r.spans, l)))
	}
	return fmt.Sprintf("wall %s | peak: %s", seconds(r.elapsedLocked()), strings.Join(parts, ", "))
}

func (r *Recorder) addLane(lane string) {
	if !slices.Contains(r.lanes, lane) {
		r.lanes = append(r.lanes, lane)
	}
}

func (r *Recorder) laneIndexLocked() map[string]int {
	m := make(map[string]int, len(r.lanes))
	for i, l := range r.lanes {
		m[l] = i
	}
	return m
}

// seconds formats d as seconds with two decimals, e.g. "2.03s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}
