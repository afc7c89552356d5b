package timeline

import (
	"cmp"
	"slices"
	"time"
)

// A span occupies the half-open interval [Start, End): two spans that touch,
// one ending as the next starts, are never open at once. A span of zero
// length occupies the single instant Start, so it is open at once with the
// spans running at that instant. End before Start counts as zero length.

// end returns the span's end, never before its start.
func (s Span) end() time.Duration { return max(s.End, s.Start) }

// point reports whether the span has no length.
func (s Span) point() bool { return s.end() == s.Start }

// frees reports whether a row whose last span is last is free for next,
// which starts no earlier than last.
func frees(last, next Span) bool {
	e := last.end()
	return e < next.Start || (e == next.Start && !last.point())
}

// byStart orders spans by start, then end, then label, so every layout is
// the same for the same spans whatever order they were recorded in.
func byStart(a, b Span) int {
	return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.end(), b.end()), cmp.Compare(a.Label, b.Label))
}

// packRows puts each span into the first row that is free at its start,
// taking the spans in start order. It returns the spans in that order, the
// row of each, and the number of rows, which equals the largest number of
// spans open at once (first fit in start order is optimal for intervals).
func packRows(spans []Span) (sorted []Span, rows []int, n int) {
	sorted = slices.Clone(spans)
	slices.SortStableFunc(sorted, byStart)
	rows = make([]int, len(sorted))
	var last []Span // the latest span of each row
	for i, s := range sorted {
		row := slices.IndexFunc(last, func(l Span) bool { return frees(l, s) })
		if row < 0 {
			row = len(last)
			last = append(last, s)
		}
		last[row] = s
		rows[i] = row
	}
	return sorted, rows, len(last)
}

// edge is a change in the number of open spans.
type edge struct {
	at    time.Duration
	order int // at the same instant: ends (0), then starts (1), then ends of zero-length spans (2)
	delta int
}

// edgesOf returns the sorted edges of spans.
func edgesOf(spans []Span) []edge {
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		endOrder := 0
		if s.point() {
			endOrder = 2
		}
		edges = append(edges, edge{s.Start, 1, +1}, edge{s.end(), endOrder, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.order, b.order))
	})
	return edges
}

// peakOpen returns the largest number of spans open at once and the first
// instant it was reached.
func peakOpen(spans []Span) (peak int, at time.Duration) {
	open := 0
	for _, e := range edgesOf(spans) {
		open += e.delta
		if open > peak {
			peak, at = open, e.at
		}
	}
	return peak, at
}

// openPerColumn divides [0, xmax) into cols equal columns and returns, for
// each, the largest number of spans open at any instant inside it (so a
// burst shorter than a column still shows at its full height) and the
// mean number open over the column's time.
func openPerColumn(spans []Span, xmax time.Duration, cols int) (most []int, mean []float64) {
	most, mean = make([]int, cols), make([]float64, cols)
	if cols == 0 || xmax <= 0 {
		return most, mean
	}
	width := float64(xmax) / float64(cols) // of a column, in nanoseconds
	col := func(t time.Duration) int {
		return min(max(int(float64(t)/width), 0), cols-1)
	}
	// hold records v spans open over [from, to).
	hold := func(from, to time.Duration, v int) {
		first, last := col(from), col(to)
		if float64(to) == float64(last)*width && last > first {
			last-- // to sits exactly on a column's left side
		}
		for c := first; c <= last; c++ {
			most[c] = max(most[c], v)
			lo := max(float64(from), float64(c)*width)
			hi := min(float64(to), float64(c+1)*width)
			if hi > lo {
				mean[c] += float64(v) * (hi - lo) / width
			}
		}
	}
	edges := edgesOf(spans)
	open := 0
	for i := 0; i < len(edges); {
		at := edges[i].at
		// Apply every edge at this instant; the count after the starts
		// (before zero-length spans close) is the count at the instant.
		atInstant := open
		for ; i < len(edges) && edges[i].at == at; i++ {
			open += edges[i].delta
			if edges[i].order <= 1 {
				atInstant = open
			}
		}
		most[col(at)] = max(most[col(at)], atInstant)
		if open > 0 && i < len(edges) {
			hold(at, edges[i].at, open)
		}
	}
	return most, mean
}

// waitingGaps returns, for every label that has more than one span, the
// gaps between its spans: the time from the end of one of its steps to the
// start of the next, when nothing with that label was running. Gaps
// shorter than minGap are left out. Each gap comes back as a Span of lane
// lane, labelled with the item.
func waitingGaps(spans []Span, lane string, minGap time.Duration) []Span {
	byLabel := make(map[string][]Span)
	var labels []string
	for _, s := range spans {
		if _, ok := byLabel[s.Label]; !ok {
			labels = append(labels, s.Label)
		}
		byLabel[s.Label] = append(byLabel[s.Label], s)
	}
	slices.Sort(labels)
	var gaps []Span
	for _, l := range labels {
		steps := byLabel[l]
		if len(steps) < 2 {
			continue
		}
		slices.SortFunc(steps, byStart)
		covered := steps[0].end()
		for _, s := range steps[1:] {
			if s.Start-covered >= max(minGap, 1) {
				gaps = append(gaps, Span{Lane: lane, Label: l, Start: covered, End: s.Start})
			}
			covered = max(covered, s.end())
		}
	}
	return gaps
}
