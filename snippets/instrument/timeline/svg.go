package timeline

import (
	"math"
	"time"

	"github.com/go-async-workshop/workshop/snippets/instrument/svgplot"
)

// Layout of the Gantt chart, in pixels.
const (
	// SVGWidth is the chart's width; it reads well in a notebook cell and
	// scales down with the page (the chart has a viewBox).
	SVGWidth = 900
	// MinRowHeight is the thinnest row a lane of bars may get. A lane that
	// would need thinner rows is drawn as a density track instead.
	MinRowHeight = 5.0
	// MaxRowHeight is the tallest row, used when a chart has few rows.
	MaxRowHeight = 16.0
	// PlotBudget is the height the tracks of a chart aim to fit in. Rows
	// shrink (down to MinRowHeight) and the busiest lanes turn into density
	// tracks until they fit; a chart with many quiet lanes grows past it.
	PlotBudget = 360.0
	// DensityHeight is the height of a density track; it grows to twice
	// that when the budget has room (and shrinks when its peak is small
	// enough for MaxRowHeight per span, which only the waiting track's can be).
	DensityHeight = 80.0
	// MaxBars is the most spans a lane draws as bars; a lane with more is
	// drawn as a density track, which keeps a long run's picture readable
	// and its SVG small (each bar costs about a hundred bytes).
	MaxBars = 1000
	// MinTrackHeight is the least height of a lane of bars, so that its
	// name and note fit beside it; its rows are centred in it.
	MinTrackHeight = 30.0

	marginLeft  = 150 // lane names
	marginRight = 20
	marginSide  = 12 // text left of the plot
	trackGap    = 12 // space between tracks
)

// Colours: Okabe and Ito's palette, which stays distinguishable with every
// common colour-vision deficiency, in an order that puts the light yellow
// last. Text is dark on an explicit white background, so the chart reads
// the same in light and dark notebook themes.
var svgColors = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"}

const (
	waitingColor = "#8C8C8C"
	textColor    = "#1A1A1A"
	mutedColor   = "#555555"
	gridColor    = "#E4E4E4"
	background   = "#FFFFFF"
)

// WaitingLane is the name of the derived track that counts items waiting
// between two of their steps (see SVGOptions.HideWaiting).
const WaitingLane = "waiting"

// SVGOptions adjust the chart. The zero value draws the default chart.
type SVGOptions struct {
	// Title is the chart's first line, in bold. When it is empty the first
	// line is the run's summary (wall time and peaks); otherwise the
	// summary follows the title in smaller type.
	Title string
	// Caption is text under the chart, wrapped to its width: a sentence
	// that says what to look at.
	Caption string
	// HideWaiting leaves out the waiting track. By default, when spans
	// with the same label (the same item) follow one another in different
	// lanes, the chart adds a grey track below the lanes counting the
	// items that finished one step and had not begun the next: the time
	// they spent queued for a free slot. Gaps narrower than one pixel of
	// the chart are not counted.
	HideWaiting bool
}

// SVG renders the finished spans as a standalone SVG Gantt chart with the
// default options: see RenderSVG.
func (r *Recorder) SVG() string { return r.RenderSVG(SVGOptions{}) }

// RenderSVG renders the finished spans as a standalone, self-contained SVG
// Gantt chart, SVGWidth pixels wide, the same bytes for the same spans.
//
// Each lane (kind of work) is a track in its own colour, named on the
// left. In a track, a span goes into the first row that is free at its
// start, so a lane has as many rows as it ran spans at once: one row for
// work done one at a time, ten rows for ten at once. Rows are between
// MinRowHeight and MaxRowHeight tall. A lane that would need thinner rows
// (a hundred requests at once), or that has more than MaxBars spans, is
// drawn as a density track instead: a shaded step chart of how many of its
// spans were open over time, its top being the lane's peak, marked with
// when it was first reached. A grey waiting track may follow (see
// SVGOptions.HideWaiting). The x axis is in seconds from the recorder's
// start to its wall time; a legend says what colours, rows and shading
// mean.
func (r *Recorder) RenderSVG(o SVGOptions) string {
	svg, _, _ := r.render(o)
	return svg
}

// HTML returns the chart of RenderSVG as an HTML <img> element whose
// source is the SVG itself (a data: URI), with the title and summary as
// its alternative text. HTML sanitizers that strip inline <svg> elements
// keep images: JupyterLab, which reduces an inline SVG to its bare text in
// a notebook that is not trusted (one opened with its saved outputs, as
// from a fresh clone), shows this form as the picture. Only the hover text
// of each bar is lost.
func (r *Recorder) HTML(o SVGOptions) string {
	svg, height, alt := r.render(o)
	return svgplot.Image(svg, SVGWidth, height, alt)
}

// render lays out and draws the chart; it returns the SVG, its height and
// a one-line description of it.
func (r *Recorder) render(o SVGOptions) (svg string, height int, alt string) {
	if r == nil {
		r = FromSpans(nil)
	}
	r.mu.Lock()
	c := r.chartLocked(o)
	r.mu.Unlock()
	svg, height = c.svg()
	alt = c.title
	if c.subtitle != "" {
		alt += ": " + c.subtitle
	}
	return svg, height, alt
}

// track is one horizontal band of the chart: a lane's rows of bars, a
// lane's density, or the waiting count.
type track struct {
	name    string
	color   string
	spans   []Span // in start order
	rows    []int  // row of each span, when drawn as bars
	nrows   int
	peak    int
	peakAt  time.Duration
	density bool
	waiting bool
	y, h    float64 // position, set by layout
}

// chart is everything needed to draw, decided before drawing.
type chart struct {
	title, subtitle string
	caption         string
	tracks          []*track
	xmax            time.Duration
	rowH            float64
	spans           int
}

// chartLocked lays the recorder's spans out.
func (r *Recorder) chartLocked(o SVGOptions) *chart {
	c := &chart{title: o.Title, caption: o.Caption}
	if c.title == "" {
		c.title = r.summaryLocked()
	} else {
		c.subtitle = r.summaryLocked()
	}
	c.xmax = r.stopped // a stopped recorder's wall time; 0 while running
	for _, s := range r.spans {
		c.xmax = max(c.xmax, s.end())
	}
	if c.xmax <= 0 {
		c.xmax = time.Second
	}
	c.spans = len(r.spans)
	for i, lane := range r.lanes {
		spans := laneSpans(r.spans, lane)
		if len(spans) == 0 {
			continue
		}
		t := &track{name: lane, color: svgColors[i%len(svgColors)]}
		t.spans, t.rows, t.nrows = packRows(spans)
		t.peak, t.peakAt = peakOpen(spans)
		t.density = len(spans) > MaxBars
		c.tracks = append(c.tracks, t)
	}
	if !o.HideWaiting {
		pixel := time.Duration(float64(c.xmax) / plotWidth)
		if gaps := waitingGaps(r.spans, WaitingLane, pixel); len(gaps) > 0 {
			t := &track{name: WaitingLane, color: waitingColor, density: true, waiting: true}
			t.spans, _, _ = packRows(gaps)
			t.peak, t.peakAt = peakOpen(gaps)
			c.tracks = append(c.tracks, t)
		}
	}
	c.chooseRows()
	return c
}

const plotWidth = float64(SVGWidth - marginLeft - marginRight)

// chooseRows picks the row height and which lanes become density tracks:
// rows as tall as fit the budget, and while they would be thinner than
// MinRowHeight, the lane with the most rows becomes a density track (when
// that saves room).
func (c *chart) chooseRows() {
	for {
		rows, dense := 0, 0
		var busiest *track
		for _, t := range c.tracks {
			if t.density {
				dense++
				continue
			}
			rows += t.nrows
			if float64(t.nrows)*MinRowHeight > DensityHeight && (busiest == nil || t.nrows > busiest.nrows) {
				busiest = t
			}
		}
		if rows == 0 {
			c.rowH = MaxRowHeight
			break
		}
		c.rowH = (PlotBudget - float64(dense)*DensityHeight) / float64(rows)
		if c.rowH >= MinRowHeight || busiest == nil {
			c.rowH = math.Floor(min(max(c.rowH, MinRowHeight), MaxRowHeight)*4) / 4
			break
		}
		busiest.density = true
	}
	// Heights: lanes of bars as their rows need, density tracks share
	// what is left of the budget.
	spare, dense := PlotBudget, 0
	for _, t := range c.tracks {
		if t.density {
			dense++
		} else {
			t.h = max(float64(t.nrows)*c.rowH, MinTrackHeight)
			spare -= t.h
		}
	}
	for _, t := range c.tracks {
		if t.density {
			h := min(max(spare/float64(dense), DensityHeight), 2*DensityHeight)
			// A few at most need no more room than their rows would.
			t.h = math.Floor(max(min(h, float64(t.peak)*MaxRowHeight), MinTrackHeight))
		}
	}
}
