package timeline

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Layout of the terminal log.
const (
	// ColumnWidth is the width of one lane's column in the log.
	ColumnWidth = 18
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
}

// WriteLog writes the finished spans as the time-stamped log, one line per
// start or finish, each in its lane's column, coloured when color is true.
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
			event{at: s.End, lane: s.Lane, label: s.Label})
	}
	// Finishes come before starts at the same instant.
	slices.SortStableFunc(events, func(a, b event) int {
		if c := compareDur(a.at, b.at); c != 0 {
			return c
		}
		return boolInt(a.start) - boolInt(b.start)
	})
	index := r.laneIndexLocked()
	var b strings.Builder
	b.WriteString(headerLine(r.lanes, color))
	for _, e := range events {
		b.WriteString(eventLine(e, index[e.lane], color))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// printLocked writes one live event, preceded by a header when lanes were added.
func (r *Recorder) printLocked(e event) {
	if r.live == nil {
		return
	}
	line := ""
	if r.header != len(r.lanes) {
		line = headerLine(r.lanes, r.color)
		r.header = len(r.lanes)
	}
	line += eventLine(e, slices.Index(r.lanes, e.lane), r.color)
	_, _ = io.WriteString(r.live, line)
}

// headerLine names the lanes above their columns.
func headerLine(lanes []string, color bool) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", stampWidth))
	for i, l := range lanes {
		cell := pad(fit(strings.ToUpper(l), ColumnWidth-1), ColumnWidth)
		if i == len(lanes)-1 {
			cell = strings.TrimRight(cell, " ")
		}
		b.WriteString(paint(cell, i, color))
	}
	b.WriteString("\n")
	return b.String()
}

// eventLine renders one event: time stamp, then the label in its lane's column.
func eventLine(e event, lane int, color bool) string {
	stamp := fmt.Sprintf("%*.3fs ", stampWidth-2, e.at.Seconds())
	if color {
		stamp = ansiDim + stamp + ansiReset
	}
	mark := endMark
	if e.start {
		mark = startMark
	}
	cell := mark + " " + fit(e.label, ColumnWidth-3)
	return stamp + strings.Repeat(" ", lane*ColumnWidth) + paint(cell, lane, color) + "\n"
}

func paint(s string, lane int, color bool) string {
	if !color {
		return s
	}
	return "\x1b[" + ansiColors[lane%len(ansiColors)] + "m" + s + ansiReset
}

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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
