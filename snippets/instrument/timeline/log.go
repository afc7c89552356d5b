package timeline

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Layout of the terminal log.
const (
	// ColumnWidth is the width of one lane's column in the log.
	ColumnWidth = 20
	// stampWidth is the width of the time stamp at the start of each line.
	stampWidth = 9
)

// Markers put before a label in the log.
const (
	startMark = "▶"
	endMark   = "✔"
)

// ansiColors are the lane colours of the terminal log, in lane order.
var ansiColors = []string{"34", "33", "31", "32", "35", "36"}

const (
	ansiReset = "\x1b[0m"
	ansiDim   = "\x1b[2m"
)

// event is the start or the finish of a span.
type event struct {
	at    time.Duration
	lane  string
	label string
	start bool
	point bool // the span has no length
}

// order puts the events of one instant in the order of the chart's
// layout: finishes first, then starts, then the finishes of spans of zero
// length (which start and finish at that instant).
func (e event) order() int {
	switch {
	case e.start:
		return 1
	case e.point:
		return 2
	}
	return 0
}

// WriteLog writes the finished spans as the time-stamped log, one line per
// start or finish, each in its lane's column. With color, each lane has its
// ANSI colour, for terminals. Without it (for notebooks, files and web
// pages, where escape codes show as junk), each line names its lane with a
// short tag from the lane's initials, given in the header ("GV" for
// "get video"), so a line reads on its own far below the header.
func (r *Recorder) WriteLog(w io.Writer, color bool) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var events []event
	for _, s := range r.sortedLocked() {
		events = append(events,
			event{at: s.Start, lane: s.Lane, label: s.Label, start: true},
			event{at: s.end(), lane: s.Lane, label: s.Label, point: s.point()})
	}
	slices.SortStableFunc(events, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.order(), b.order()))
	})
	index := r.laneIndexLocked()
	tags := laneTags(r.lanes)
	var b strings.Builder
	b.WriteString(headerLine(r.lanes, tags, color))
	for _, e := range events {
		i := index[e.lane]
		b.WriteString(eventLine(e, i, tags[i], color))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// liveLine is a line of the live log and the writer it goes to.
type liveLine struct {
	w    io.Writer
	text string
}

// queueLocked queues one live event, preceded by a header when lanes were
// added, for writeLive.
func (r *Recorder) queueLocked(e event) {
	if r.live == nil {
		return
	}
	line := ""
	tags := laneTags(r.lanes)
	if r.header != len(r.lanes) {
		line = headerLine(r.lanes, tags, r.color)
		r.header = len(r.lanes)
	}
	i := slices.Index(r.lanes, e.lane)
	line += eventLine(e, i, tags[i], r.color)
	r.pending = append(r.pending, liveLine{r.live, line})
}

// writeLive writes the queued live lines, unless another goroutine is
// writing them already: that one writes these too, before it lets go.
func (r *Recorder) writeLive() {
	for r.writing.TryLock() {
		r.writePendingLocked()
		r.writing.Unlock()
		// A line queued after the last batch was taken, while this
		// goroutine still held writing, has no writer yet: look again.
		r.mu.Lock()
		more := len(r.pending) > 0
		r.mu.Unlock()
		if !more {
			return
		}
	}
}

// flushLive waits for the goroutine writing live lines, if any, then
// writes what is still queued.
func (r *Recorder) flushLive() {
	r.writing.Lock()
	defer r.writing.Unlock()
	r.writePendingLocked()
}

// writePendingLocked writes the queued lines in order; writing is held.
func (r *Recorder) writePendingLocked() {
	for {
		r.mu.Lock()
		lines := r.pending
		r.pending = nil
		r.mu.Unlock()
		if len(lines) == 0 {
			return
		}
		for _, l := range lines {
			_, _ = io.WriteString(l.w, l.text)
		}
	}
}

// headerLine names the lanes above their columns (with their tags when
// there is no colour).
func headerLine(lanes, tags []string, color bool) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", stampWidth))
	for i, l := range lanes {
		name := fit(strings.ToUpper(l), ColumnWidth-1)
		if !color {
			name = tags[i] + " " + fit(strings.ToUpper(l), ColumnWidth-2-len(tags[i]))
		}
		cell := pad(name, ColumnWidth)
		if i == len(lanes)-1 {
			cell = strings.TrimRight(cell, " ")
		}
		b.WriteString(paint(cell, i, color))
	}
	b.WriteString("\n")
	return b.String()
}

// eventLine renders one event: time stamp, then the label in its lane's
// column, after the lane's tag when there is no colour.
func eventLine(e event, lane int, tag string, color bool) string {
	stamp := fmt.Sprintf("%*.3fs ", stampWidth-2, e.at.Seconds())
	if color {
		stamp = ansiDim + stamp + ansiReset
	}
	mark := endMark
	if e.start {
		mark = startMark
	}
	cell := mark + " " + fit(e.label, ColumnWidth-3)
	if !color {
		cell = tag + " " + mark + " " + fit(e.label, ColumnWidth-4-maxTag)
	}
	return stamp + strings.Repeat(" ", lane*ColumnWidth) + paint(cell, lane, color) + "\n"
}

func paint(s string, lane int, color bool) string {
	if !color {
		return s
	}
	return "\x1b[" + ansiColors[lane%len(ansiColors)] + "m" + s + ansiReset
}

// ColorFor reports whether a log written to w should be coloured: only
// when w is a terminal, the NO_COLOR convention is not in force (a
// non-empty NO_COLOR environment variable) and TERM is not "dumb". A
// notebook cell's output, a pipe and a file are not terminals, so
//
//	rec.SetLive(os.Stdout, timeline.ColorFor(os.Stdout))
//
// colours a program's log in a terminal and nowhere else.
func ColorFor(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// laneTags returns a short tag per lane for logs without colour: the
// initials of its words ("GV" for "get video", "W2" for "worker 2"), made
// unique by the lane's number when an earlier lane has the same. A tag
// depends only on the lanes before it, so tags never change as lanes are
// added during a run.
func laneTags(lanes []string) []string {
	tags := make([]string, len(lanes))
	for i, l := range lanes {
		var t []rune
		for _, w := range strings.FieldsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if rs := []rune(w); unicode.IsDigit(rs[0]) {
				t = append(t, rs...)
			} else {
				t = append(t, unicode.ToUpper(rs[0]))
			}
		}
		tag := string(t[:min(len(t), maxTag)])
		if len(t) > 0 && slices.Contains(tags[:i], tag) {
			tag = string(t[0]) + strconv.Itoa(i+1)
		}
		if len(t) == 0 || slices.Contains(tags[:i], tag) {
			tag = "L" + strconv.Itoa(i+1)
		}
		tags[i] = tag
	}
	return tags
}

// maxTag is the longest lane tag, in characters.
const maxTag = 3

// fit shortens s to at most n runes, marking a cut with "…".
func fit(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// pad right-pads s with spaces to n runes.
func pad(s string, n int) string {
	if k := len([]rune(s)); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}
