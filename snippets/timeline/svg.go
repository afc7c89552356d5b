package timeline

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"
)

// Layout of the Gantt chart, in pixels.
const (
	// SVGWidth is the chart's width; it reads well in a notebook cell.
	SVGWidth    = 900
	marginLeft  = 120 // lane labels
	marginRight = 24
	marginTop   = 46 // title and subtitle
	marginBot   = 40 // tick labels and axis title
	groupGap    = 8  // space between lane groups
	plotRows    = 560.0
	maxRowH     = 16.0
	minRowH     = 1.5
)

// svgColors are the lane colours of the chart, in lane order.
var svgColors = []string{"#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"}

// SVG renders the finished spans as a standalone SVG Gantt chart: one row
// per span, rows grouped by lane (in lane order, then by start), a colour
// per lane, x in seconds with ticks, and a title with the wall time and the
// peak concurrency of each lane.
func (r *Recorder) SVG() string {
	if r == nil {
		return FromSpans(nil).SVG()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	spans := r.sortedLocked()
	byLane := make([][]Span, len(r.lanes))
	index := r.laneIndexLocked()
	var xmax time.Duration
	for _, s := range spans {
		byLane[index[s.Lane]] = append(byLane[index[s.Lane]], s)
		xmax = max(xmax, s.End)
	}
	if xmax <= 0 {
		xmax = time.Second
	}

	n := max(len(spans), 1)
	rowH := math.Max(minRowH, math.Min(maxRowH, plotRows/float64(n)))
	barH := rowH * 0.9
	if rowH >= 4 {
		barH = rowH * 0.7
	}
	groups := 0
	for _, g := range byLane {
		if len(g) > 0 {
			groups++
		}
	}
	plotH := float64(len(spans))*rowH + float64(max(groups-1, 0))*groupGap
	plotH = math.Max(plotH, 20)
	plotW := float64(SVGWidth - marginLeft - marginRight)
	height := int(math.Ceil(marginTop + plotH + marginBot))
	x := func(d time.Duration) float64 { return marginLeft + plotW*d.Seconds()/xmax.Seconds() }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		SVGWidth, height, SVGWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", SVGWidth, height)
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14" font-weight="bold" fill="#222">%s</text>`+"\n",
		marginLeft, html.EscapeString(r.summaryLocked()))
	fmt.Fprintf(&b, `<text x="%d" y="34" fill="#666">%d spans, one row each, grouped by lane</text>`+"\n",
		marginLeft, len(spans))

	// Grid lines and ticks.
	step := niceStep(xmax.Seconds() / 8)
	bottom := marginTop + plotH
	for i := 0; ; i++ {
		t := float64(i) * step
		if t > xmax.Seconds()*1.0001 {
			break
		}
		px := marginLeft + plotW*t/xmax.Seconds()
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>`+"\n", px, marginTop, px, bottom)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#555"/>`+"\n", px, bottom, px, bottom+5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#333">%s</text>`+"\n", px, bottom+18, tickLabel(t, step))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#555"/>`+"\n", marginLeft, bottom, SVGWidth-marginRight, bottom)
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#333">seconds</text>`+"\n", SVGWidth-marginRight, bottom+34)

	// Lane groups: a light band, the lane's name, one thin bar per span.
	y := float64(marginTop)
	for i, group := range byLane {
		if len(group) == 0 {
			continue
		}
		color := svgColors[i%len(svgColors)]
		gh := float64(len(group)) * rowH
		fmt.Fprintf(&b, `<g class="lane">`+"\n")
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.07"/>`+"\n",
			marginLeft, y, plotW, gh, color)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="%s" font-weight="bold">%s</text>`+"\n",
			marginLeft-8, y+gh/2, color, html.EscapeString(fit(r.lanes[i], 16)))
		for j, s := range group {
			top := y + float64(j)*rowH + (rowH-barH)/2
			w := math.Max(x(s.End)-x(s.Start), 1)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.2f" width="%.1f" height="%.2f" fill="%s"><title>%s %s: %.3fs - %.3fs</title></rect>`+"\n",
				x(s.Start), top, w, barH, color, html.EscapeString(s.Lane), html.EscapeString(s.Label), s.Start.Seconds(), s.End.Seconds())
		}
		b.WriteString("</g>\n")
		y += gh + groupGap
	}
	if len(spans) == 0 {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#999">no spans recorded</text>`+"\n", marginLeft+plotW/2, marginTop+14.0)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// tickLabel prints t with as many decimals as the step needs.
func tickLabel(t, step float64) string {
	dec := 0
	if step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return fmt.Sprintf("%.*fs", dec, t)
}
