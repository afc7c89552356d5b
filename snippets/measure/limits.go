package measure

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"
)

// LimitPoint is one run of a sweep over concurrency limits: the limit, the
// measured run, and what a model of the server predicts for it.
type LimitPoint struct {
	Limit     int
	Result    Result
	Predicted time.Duration
}

// Limits is what ShowLimits shows: the points of a sweep and the server's
// capacity.
type Limits struct {
	Title    string         `json:"title"`
	Capacity int            `json:"capacity"`
	Points   []LimitFigures `json:"points"`
	points   []LimitPoint   // as given
}

// LimitFigures are the figures of one point of a sweep, as attached under
// ResultMIME.
type LimitFigures struct {
	Limit            int     `json:"limit"`
	WallSeconds      float64 `json:"wall_seconds"`
	PredictedSeconds float64 `json:"predicted_seconds"`
	PeakInFlight     int     `json:"peak_in_flight"`
	PeakWaiting      int     `json:"peak_waiting"`
	Degraded         int     `json:"degraded"`
}

// ShowLimits shows wall time against the concurrency limit, measured and
// predicted, with the server's capacity marked (0 for none): a chart in a
// notebook, a table as text elsewhere. The busiest endpoint of each run gives
// the server's columns.
func ShowLimits(title string, capacity int, points []LimitPoint) Limits {
	l := Limits{Title: title, Capacity: capacity, points: points}
	for _, p := range points {
		l.Points = append(l.Points, p.figures())
	}
	show(stdout(), l.text(), l.html, struct {
		Limits Limits `json:"limits"`
	}{l})
	return l
}

// figures are the point's figures; the busiest endpoint gives the server's.
func (p LimitPoint) figures() LimitFigures {
	f := LimitFigures{Limit: p.Limit, WallSeconds: p.Result.WallSeconds, PredictedSeconds: p.Predicted.Seconds()}
	if g := mainGate(p.Result); g != "" {
		s := p.Result.Server[g]
		f.PeakInFlight, f.PeakWaiting, f.Degraded = s.PeakInFlight, s.PeakWaiting, s.Degraded
	}
	return f
}

// String tells one point of a sweep in a line: the limit, the measured and
// predicted wall time, and what the server's busiest endpoint went through.
func (p LimitPoint) String() string {
	f := p.figures()
	return fmt.Sprintf("limit %3d: %s measured, %s predicted; the server had %d at once, %d queued, %d slowed",
		f.Limit, seconds(f.WallSeconds), seconds(f.PredictedSeconds), f.PeakInFlight, f.PeakWaiting, f.Degraded)
}

func (l Limits) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%6s %10s %10s %9s %9s %9s\n", l.Title, "limit", "measured", "predicted", "at once", "queued", "slowed")
	for _, p := range l.Points {
		fmt.Fprintf(&b, "%6d %10s %10s %9d %9d %9d\n", p.Limit, seconds(p.WallSeconds), seconds(p.PredictedSeconds), p.PeakInFlight, p.PeakWaiting, p.Degraded)
	}
	return b.String()
}

// Chart layout, in pixels.
const (
	chartW, chartH           = 760, 340
	chartLeft, chartRight    = 64, 24
	chartTop, chartBottom    = 52, 52
	measuredColor, predColor = "#0072b2", "#999999" // colour-blind-safe blue, neutral grey
	capacityColor            = "#d55e00"
)

// html shows the chart as an image.
func (l Limits) html() string {
	return svgImage(l.svg(), chartW, chartH, l.Title)
}

// svg draws the sweep: x is the limit on a log scale, y the wall time.
func (l Limits) svg() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`, chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, chartW, chartH)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold" fill="#222">%s</text>`, chartLeft, html.EscapeString(l.Title))
	if len(l.Points) == 0 {
		b.WriteString(`</svg>`)
		return b.String()
	}
	minL, maxL, maxY := l.Points[0].Limit, l.Points[0].Limit, 0.0
	for _, p := range l.Points {
		minL, maxL = min(minL, p.Limit), max(maxL, p.Limit)
		maxY = max(maxY, p.WallSeconds, p.PredictedSeconds)
	}
	if maxL == minL {
		maxL = minL + 1
	}
	step := niceStep(maxY / 5)
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
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#444">%s</text>`, chartLeft-6, y(v)+4, trimFloat(v))
	}
	fmt.Fprintf(&b, `<text x="16" y="%.1f" fill="#444" transform="rotate(-90 16 %.1f)" text-anchor="middle">wall time (s)</text>`, float64(chartTop)+plotH/2, float64(chartTop)+plotH/2)
	for _, p := range l.Points {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#444">%d</text>`, x(p.Limit), chartH-chartBottom+18, p.Limit)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#444">concurrency limit: requests in flight at most (log scale)</text>`, float64(chartLeft)+plotW/2, chartH-10)
	if l.Capacity >= minL && l.Capacity <= maxL {
		cx := x(l.Capacity)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" stroke="%s" stroke-dasharray="4 4"/>`, cx, cx, chartTop, y(0), capacityColor)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s">server capacity %d</text>`, cx+6, chartTop+14, capacityColor, l.Capacity)
	}

	// The two series.
	line := func(get func(LimitFigures) float64, color, dash string, dots bool) {
		var pts []string
		for _, p := range l.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Limit), y(get(p))))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-dasharray="%s"/>`, strings.Join(pts, " "), color, dash)
		for _, p := range l.Points {
			if dots {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="%s"/>`, x(p.Limit), y(get(p)), color)
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s" font-weight="bold">%s</text>`, x(p.Limit), y(get(p))-9, color, shortSeconds(get(p)))
			}
		}
	}
	line(func(p LimitFigures) float64 { return p.PredictedSeconds }, predColor, "6 5", false)
	line(func(p LimitFigures) float64 { return p.WallSeconds }, measuredColor, "", true)

	// Legend.
	lx := chartLeft
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="38" y2="38" stroke="%s" stroke-width="2.5"/><circle cx="%d" cy="38" r="4.5" fill="%s"/><text x="%d" y="42" fill="#222">measured</text>`, lx, lx+28, measuredColor, lx+14, measuredColor, lx+34)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="38" y2="38" stroke="%s" stroke-width="2.5" stroke-dasharray="6 5"/><text x="%d" y="42" fill="#222">the gate model predicts</text>`, lx+110, lx+138, predColor, lx+144)
	b.WriteString(`</svg>`)
	return b.String()
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// trimFloat formats a tick value without useless zeros.
func trimFloat(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// shortSeconds labels a point: two decimals below 10 s, one above.
func shortSeconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.2f", s)
	}
	return fmt.Sprintf("%.1f", s)
}
