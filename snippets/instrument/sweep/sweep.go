// Package sweep shows a sweep over concurrency limits: the same work run
// at several limits, its wall time at each against what a model of the
// server predicts, with the server's capacity marked. In a notebook it is a
// chart; elsewhere a table.
//
//	var points []sweep.Point
//	for _, limit := range []int{1, 2, 5, 10, 20, 50, 100} {
//		run := measure.Start(ctx, client, fmt.Sprintf("limit %d", limit))
//		// ... the work, at most limit at once ...
//		points = append(points, sweep.Point{Limit: limit, Result: run.Result(), Predicted: predicted})
//	}
//	sweep.Show("100 video requests", 10, points)
package sweep

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
	"github.com/go-async-workshop/workshop/snippets/instrument/svgplot"
)

// Point is one run of a sweep: the limit, the measured run, and what a model
// of the server predicts for it.
type Point struct {
	Limit     int
	Result    measure.Result
	Predicted time.Duration
}

// Chart is what Show shows: the figures of each point of a sweep and the
// server's capacity. It is attached to the notebook output as
// {"limits": Chart}.
type Chart struct {
	Title    string    `json:"title"`
	Capacity int       `json:"capacity"`
	Points   []Figures `json:"points"`
}

// Figures are the figures of one point of a sweep; the server's are those
// of the run's busiest endpoint.
type Figures struct {
	Limit            int     `json:"limit"`
	WallSeconds      float64 `json:"wall_seconds"`
	PredictedSeconds float64 `json:"predicted_seconds"`
	PeakInFlight     int     `json:"peak_in_flight"`
	PeakWaiting      int     `json:"peak_waiting"`
	Degraded         int     `json:"degraded"`
}

// Show shows wall time against the concurrency limit, measured and
// predicted, with the server's capacity marked (0 for none): a chart in a
// notebook, a table as text elsewhere. The busiest endpoint of each run gives
// the server's columns.
func Show(title string, capacity int, points []Point) Chart {
	c := Chart{Title: title, Capacity: capacity}
	for _, p := range points {
		c.Points = append(c.Points, p.figures())
	}
	display.Show(nil, c.text(), c.html, struct {
		Limits Chart `json:"limits"`
	}{c})
	return c
}

// figures are the point's figures; the busiest endpoint gives the server's.
func (p Point) figures() Figures {
	f := Figures{Limit: p.Limit, WallSeconds: p.Result.WallSeconds, PredictedSeconds: p.Predicted.Seconds()}
	if _, s, ok := p.Result.Busiest(); ok {
		f.PeakInFlight, f.PeakWaiting, f.Degraded = s.PeakInFlight, s.PeakWaiting, s.Degraded
	}
	return f
}

// String tells one point of a sweep in a line: the limit, the measured and
// predicted wall time, and what the server's busiest endpoint went through.
func (p Point) String() string {
	f := p.figures()
	return fmt.Sprintf("limit %3d: %s measured, %s predicted; the server had %d at once, %d queued, %d slowed",
		f.Limit, display.Seconds(f.WallSeconds), display.Seconds(f.PredictedSeconds), f.PeakInFlight, f.PeakWaiting, f.Degraded)
}

func (c Chart) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%6s %10s %10s %9s %9s %9s\n", c.Title, "limit", "measured", "predicted", "at once", "queued", "slowed")
	for _, p := range c.Points {
		fmt.Fprintf(&b, "%6d %10s %10s %9d %9d %9d\n", p.Limit, display.Seconds(p.WallSeconds), display.Seconds(p.PredictedSeconds), p.PeakInFlight, p.PeakWaiting, p.Degraded)
	}
	if gap := c.LargestGap(); gap != "" {
		b.WriteString(gap + "\n")
	}
	return b.String()
}

// LargestGap says, in a line, how far the measured point farthest from the
// model's prediction was from it, in percent of the prediction ("" without
// points).
func (c Chart) LargestGap() string {
	var far Figures
	gap := -1.0
	for _, p := range c.Points {
		if p.PredictedSeconds <= 0 {
			continue
		}
		if g := math.Abs(p.WallSeconds/p.PredictedSeconds - 1); g > gap {
			far, gap = p, g
		}
	}
	if gap < 0 {
		return ""
	}
	return fmt.Sprintf("farthest from the model: limit %d, measured %+.0f%% against the prediction", far.Limit, 100*(far.WallSeconds/far.PredictedSeconds-1))
}

// Chart layout, in pixels.
const (
	chartW, chartH           = 760, 340
	chartLeft, chartRight    = 64, 24
	chartTop, chartBottom    = 52, 52
	measuredColor, predColor = "#0072b2", "#999999" // colour-blind-safe blue, neutral grey
	capacityColor            = "#d55e00"
)

// html shows the chart as an image, and the largest gap from the model
// under it.
func (c Chart) html() string {
	out := svgplot.Image(c.svg(), chartW, chartH, c.Title)
	if gap := c.LargestGap(); gap != "" {
		out += "<div>" + html.EscapeString(gap) + "</div>"
	}
	return out
}

// svg draws the sweep: x is the limit on a log scale, y the wall time.
func (c Chart) svg() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`, chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, chartW, chartH)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold" fill="#222">%s</text>`, chartLeft, html.EscapeString(c.Title))
	if len(c.Points) == 0 {
		b.WriteString(`</svg>`)
		return b.String()
	}
	minL, maxL, maxY := c.Points[0].Limit, c.Points[0].Limit, 0.0
	for _, p := range c.Points {
		minL, maxL = min(minL, p.Limit), max(maxL, p.Limit)
		maxY = max(maxY, p.WallSeconds, p.PredictedSeconds)
	}
	if maxL == minL {
		maxL = minL + 1
	}
	step := svgplot.Step(maxY / 5)
	top := math.Ceil(maxY/step) * step
	if top <= 0 {
		top = 1
	}
	plotW, plotH := float64(chartW-chartLeft-chartRight), float64(chartH-chartTop-chartBottom)
	x := func(limit int) float64 {
		return float64(chartLeft) + plotW*(math.Log(float64(limit))-math.Log(float64(minL)))/(math.Log(float64(maxL))-math.Log(float64(minL)))
	}
	y := func(s float64) float64 { return float64(chartTop) + plotH*(1-s/top) }

	// Axes, grid and ticks.
	for v := 0.0; v <= top+step/2; v += step {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e4e4e4"/>`, chartLeft, chartW-chartRight, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#444">%s</text>`, chartLeft-6, y(v)+4, svgplot.Tick(v, step))
	}
	fmt.Fprintf(&b, `<text x="16" y="%.1f" fill="#444" transform="rotate(-90 16 %.1f)" text-anchor="middle">wall time (s)</text>`, float64(chartTop)+plotH/2, float64(chartTop)+plotH/2)
	for _, p := range c.Points {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#444">%d</text>`, x(p.Limit), chartH-chartBottom+18, p.Limit)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#444">concurrency limit: requests in flight at most (log scale)</text>`, float64(chartLeft)+plotW/2, chartH-10)
	if c.Capacity >= minL && c.Capacity <= maxL {
		cx := x(c.Capacity)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" stroke="%s" stroke-dasharray="4 4"/>`, cx, cx, chartTop, y(0), capacityColor)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s">server capacity %d</text>`, cx+6, chartTop+14, capacityColor, c.Capacity)
	}

	// The two series: the measured line with its values, then the model's
	// dashed line with open circles on top of it, so that the model shows
	// where the two coincide.
	pts := func(get func(Figures) float64) string {
		var pts []string
		for _, p := range c.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Limit), y(get(p))))
		}
		return strings.Join(pts, " ")
	}
	wall := func(p Figures) float64 { return p.WallSeconds }
	pred := func(p Figures) float64 { return p.PredictedSeconds }
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"/>`, pts(wall), measuredColor)
	for _, p := range c.Points {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s"/>`, x(p.Limit), y(p.WallSeconds), measuredColor)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s" font-weight="bold">%s</text>`, x(p.Limit), y(p.WallSeconds)-10, measuredColor, shortSeconds(p.WallSeconds))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`, pts(pred), predColor)
	for _, p := range c.Points {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="7" fill="none" stroke="%s" stroke-width="2"/>`, x(p.Limit), y(p.PredictedSeconds), predColor)
	}

	// Legend.
	lx := chartLeft
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="38" y2="38" stroke="%s" stroke-width="2.5"/><circle cx="%d" cy="38" r="4.5" fill="%s"/><text x="%d" y="42" fill="#222">measured</text>`, lx, lx+28, measuredColor, lx+14, measuredColor, lx+34)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="38" y2="38" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/><circle cx="%d" cy="38" r="7" fill="none" stroke="%s" stroke-width="2"/><text x="%d" y="42" fill="#222">the gate model predicts</text>`, lx+110, lx+138, predColor, lx+124, predColor, lx+144)
	b.WriteString(`</svg>`)
	return b.String()
}

// shortSeconds labels a point: two decimals below 10 s, one above.
func shortSeconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.2f", s)
	}
	return fmt.Sprintf("%.1f", s)
}
