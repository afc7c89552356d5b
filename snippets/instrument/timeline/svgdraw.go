package timeline

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/snippets/instrument/svgplot"
)

// svg draws the chart and returns it with its height.
func (c *chart) svg() (string, int) {
	var b strings.Builder
	left, right := float64(marginLeft), float64(SVGWidth-marginRight)

	// Header: title, summary, legend. Heights first, drawing below.
	y := 24.0
	head := []string{fmt.Sprintf(`<text x="%d" y="%.0f" font-size="15" font-weight="bold" fill="%s">%s</text>`,
		marginSide, y, textColor, esc(c.title))}
	if c.subtitle != "" {
		y += 19
		head = append(head, fmt.Sprintf(`<text x="%d" y="%.0f" fill="%s">%s</text>`, marginSide, y, mutedColor, esc(c.subtitle)))
	}
	y += 24
	head = append(head, c.legendKeys(y)...)
	for _, line := range wrap(c.legendText(), 11, SVGWidth-2*marginSide) {
		y += 16
		head = append(head, fmt.Sprintf(`<text x="%d" y="%.0f" font-size="11" fill="%s">%s</text>`, marginSide, y, mutedColor, esc(line)))
	}
	top := y + 14

	// Tracks, one under another.
	y = top
	for i, t := range c.tracks {
		if i > 0 {
			y += trackGap
		}
		t.y = y
		y += t.h
	}
	bottom := max(y, top+24)
	caption := wrap(c.caption, 12, SVGWidth-2*marginSide)
	height := int(math.Ceil(bottom + 44 + 18*float64(len(caption)) + 8))

	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12" role="img" aria-label="%s">`+"\n",
		SVGWidth, height, SVGWidth, height, esc(c.title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="%s"/>`+"\n", SVGWidth, height, background)
	for _, h := range head {
		b.WriteString(h + "\n")
	}

	// Grid and x axis.
	x := func(d time.Duration) float64 { return left + plotWidth*d.Seconds()/c.xmax.Seconds() }
	step := svgplot.Step(c.xmax.Seconds() / 8)
	b.WriteString(`<g class="axis">` + "\n")
	for i := 0; ; i++ {
		t := float64(i) * step
		if t > c.xmax.Seconds()*1.0001 {
			break
		}
		px := left + plotWidth*t/c.xmax.Seconds()
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", px, top, px, bottom, gridColor)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", px, bottom, px, bottom+5, mutedColor)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`+"\n", px, bottom+18, textColor, svgplot.Tick(t, step)+"s")
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="%s"/>`+"\n", left, bottom, right, bottom, mutedColor)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end" fill="%s">seconds since the start</text>`+"\n", right, bottom+34, mutedColor)
	b.WriteString("</g>\n")

	for _, t := range c.tracks {
		c.drawTrack(&b, t, x)
	}
	if len(c.tracks) == 0 {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">no spans recorded</text>`+"\n", left+plotWidth/2, top+16, mutedColor)
	}
	for i, line := range caption {
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="%s">%s</text>`+"\n", marginSide, bottom+58+18*float64(i), textColor, esc(line))
	}
	b.WriteString("</svg>\n")
	return b.String(), height
}

// legendKeys draws a colour key per track: what each colour means.
func (c *chart) legendKeys(y float64) []string {
	var out []string
	x := float64(marginSide)
	if len(c.tracks) > 0 {
		const lead = "Kind of work:"
		out = append(out, fmt.Sprintf(`<text x="%.0f" y="%.0f" fill="%s">%s</text>`, x, y, mutedColor, lead))
		x += textWidth(lead, 12) + 10
	}
	for _, t := range c.tracks {
		if t.waiting {
			x += 8
		}
		out = append(out, fmt.Sprintf(`<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"%s/>`, x, y-10, t.color, swatchStyle(t)))
		x += 17
		out = append(out, fmt.Sprintf(`<text x="%.0f" y="%.0f" fill="%s">%s</text>`, x, y, textColor, esc(t.name)))
		x += textWidth(t.name, 12) + 16
	}
	return out
}

// swatchStyle makes a density or waiting swatch look like its track.
func swatchStyle(t *track) string {
	if t.density {
		return fmt.Sprintf(` fill-opacity="0.45" stroke="%s"`, t.color)
	}
	return ""
}

// legendText says how to read rows, shading and the waiting track.
func (c *chart) legendText() string {
	var bars, dense, waiting bool
	for _, t := range c.tracks {
		switch {
		case t.waiting:
			waiting = true
		case t.density:
			dense = true
		default:
			bars = true
		}
	}
	var parts []string
	if bars {
		parts = append(parts, "Each bar is one span; a lane has a row per span open at once, so its height is its concurrency.")
	}
	if dense {
		parts = append(parts, "A shaded lane had too many at once for rows: its height is how many were open (outline: the most at any instant), up to the peak marked.")
	}
	if waiting {
		parts = append(parts, "Grey: items that had finished a step and not begun the next, waiting for a free slot.")
	}
	return strings.Join(parts, " ")
}

// drawTrack draws one track: its name and peak on the left, then its bars
// or its density.
func (c *chart) drawTrack(b *strings.Builder, t *track, x func(time.Duration) float64) {
	left := float64(marginLeft)
	fmt.Fprintf(b, `<g class="track">`+"\n")
	fmt.Fprintf(b, `<rect x="%.0f" y="%.2f" width="%.0f" height="%.2f" fill="%s" fill-opacity="0.07"/>`+"\n", left, t.y, plotWidth, t.h, t.color)

	// Name and how many at once, centred on the track (top-aligned on tall ones).
	nameY := t.y + min(t.h/2, 20)
	if t.h < 30 {
		nameY = t.y + t.h/2 - 2
	}
	fmt.Fprintf(b, `<rect x="%d" y="%.1f" width="10" height="10" fill="%s"%s/>`+"\n", marginSide, nameY-9, t.color, swatchStyle(t))
	fmt.Fprintf(b, `<text x="%d" y="%.1f" font-weight="bold" fill="%s">%s</text>`+"\n", marginSide+15, nameY, textColor, esc(fit(t.name, 17)))
	fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="11" fill="%s">%s</text>`+"\n", marginSide+15, nameY+14, mutedColor, esc(peakNote(t)))

	if t.density {
		c.drawDensity(b, t, x)
	} else {
		c.drawBars(b, t, x)
	}
	b.WriteString("</g>\n")
}

// peakNote says how many ran at once.
func peakNote(t *track) string {
	switch {
	case t.waiting && t.peak == 1:
		return "one item at most"
	case t.waiting:
		return fmt.Sprintf("up to %d items", t.peak)
	case t.peak == 1:
		return "one at a time"
	}
	return fmt.Sprintf("up to %d at once", t.peak)
}

// drawBars draws a packed lane: one bar per span in its row.
func (c *chart) drawBars(b *strings.Builder, t *track, x func(time.Duration) float64) {
	gap := max(1, math.Round(c.rowH*0.25))
	barH := c.rowH - gap
	ink := labelInk(t.color)
	first := t.y + (t.h-float64(t.nrows)*c.rowH)/2 // rows centred in the track
	for i, s := range t.spans {
		x0, x1 := x(s.Start), x(s.end())
		w := x1 - x0
		if w >= 3 {
			w-- // a hairline between spans that follow each other in a row
		}
		w = max(w, 1)
		top := first + float64(t.rows[i])*c.rowH + gap/2
		fmt.Fprintf(b, `<rect x="%.1f" y="%.2f" width="%.1f" height="%.2f" fill="%s"><title>%s %s: %.3fs to %.3fs</title></rect>`+"\n",
			x0, top, w, barH, t.color, esc(s.Lane), esc(s.Label), s.Start.Seconds(), s.end().Seconds())
		if fits := int((w - 6) / (10 * 0.6)); barH >= 11 && fits >= 4 {
			fmt.Fprintf(b, `<text x="%.1f" y="%.2f" font-size="10" fill="%s">%s</text>`+"\n", x0+3, top+barH/2+3.5, ink, esc(fit(s.Label, fits)))
		}
	}
}

// drawDensity draws how many spans of the track were open over time as a
// filled step chart, one step per pixel column, its top at the peak.
func (c *chart) drawDensity(b *strings.Builder, t *track, x func(time.Duration) float64) {
	cols := int(plotWidth)
	most, mean := openPerColumn(t.spans, c.xmax, cols)
	base := t.y + t.h
	scale := (t.h - 4) / float64(max(t.peak, 1))
	colX := func(i int) float64 { return float64(marginLeft) + plotWidth*float64(i)/float64(cols) }

	// Shaded: the mean number open in each pixel column. Outline: the most
	// open at any instant in it. They differ only where spans are shorter
	// than a pixel.
	var fill, line strings.Builder
	fmt.Fprintf(&fill, "M%.1f %.1f", colX(0), base)
	fmt.Fprintf(&line, "M%.1f %.1f", colX(0), base)
	for i := 0; i < cols; {
		j := i
		for j < cols && most[j] == most[i] && math.Abs(mean[j]-mean[i]) < 0.05 {
			j++
		}
		fmt.Fprintf(&fill, "V%.1fH%.1f", base-mean[i]*scale, colX(j))
		fmt.Fprintf(&line, "V%.1fH%.1f", base-float64(most[i])*scale, colX(j))
		i = j
	}
	fmt.Fprintf(&fill, "V%.1fZ", base)
	fmt.Fprintf(&line, "V%.1f", base)
	what := "spans open"
	if t.waiting {
		what = "items waiting"
	}
	fmt.Fprintf(b, `<path d="%s" fill="%s" fill-opacity="0.45"><title>%s: %d %s at most, first at %s</title></path>`+"\n",
		fill.String(), t.color, esc(t.name), t.peak, what, clock(t.peakAt))
	fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.2" stroke-linejoin="round"/>`+"\n", line.String(), t.color)

	// Count lines below the peak, labelled beside the track.
	step := int(svgplot.Step(float64(t.peak) / 4))
	for v := step; v < t.peak && t.peak >= 4; v += step {
		gy := base - float64(v)*scale
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%.0f" y2="%.1f" stroke="%s" stroke-opacity="0.5" stroke-dasharray="1 3"/>`+"\n",
			marginLeft, gy, float64(marginLeft)+plotWidth, gy, mutedColor)
		if gy > t.y+40 {
			fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="10" text-anchor="end" fill="%s">%d</text>`+"\n", marginLeft-4, gy+3.5, mutedColor, v)
		}
	}
	if t.h >= 60 {
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="10" text-anchor="end" fill="%s">0</text>`+"\n", marginLeft-4, base, mutedColor)
	}

	// The peak: a dashed line at the top and where it was first reached.
	peakY := base - float64(t.peak)*scale
	fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%.0f" y2="%.1f" stroke="%s" stroke-dasharray="3 3"/>`+"\n",
		marginLeft, peakY, float64(marginLeft)+plotWidth, peakY, t.color)
	px := x(t.peakAt)
	fmt.Fprintf(b, `<path d="M%.1f %.1fl-4 -6h8Z" fill="%s"/>`+"\n", px, peakY, textColor)
	label := fmt.Sprintf("%d at once, at %s", t.peak, clock(t.peakAt))
	if t.waiting {
		label = fmt.Sprintf("%d waiting, at %s", t.peak, clock(t.peakAt))
	}
	anchor, lx := "start", px+7
	if lx+textWidth(label, 11) > float64(SVGWidth-marginRight) {
		anchor, lx = "end", px-7
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="%s" fill="%s" stroke="%s" stroke-width="3" paint-order="stroke">%s</text>`+"\n",
		lx, peakY+12, anchor, textColor, background, esc(label))
}

// labelInk returns the text colour readable on fill (black or white, by
// WCAG contrast).
func labelInk(fill string) string {
	hex, ok := strings.CutPrefix(fill, "#")
	v, err := strconv.ParseUint(hex, 16, 32)
	if !ok || len(hex) != 6 || err != nil {
		return textColor
	}
	lin := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff)
	if (1.05)/(l+0.05) >= (l+0.05)/0.05 {
		return "#FFFFFF"
	}
	return "#000000"
}

// textWidth estimates the width of s in a sans-serif font of size px,
// generously, so that text placed by it does not collide.
func textWidth(s string, px float64) float64 {
	return float64(len([]rune(s))) * px * 0.6
}

// wrap breaks s into lines that fit width pixels at font size px.
func wrap(s string, px float64, width int) []string {
	limit := max(int(float64(width)/(px*0.55)), 10)
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > limit {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

func esc(s string) string { return html.EscapeString(s) }

// clock formats an offset such as "1.25s".
func clock(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s" }
