// Package svgplot holds what the workshop's SVG charts share: round steps
// and labels for an axis, and the HTML that shows an SVG in a notebook.
package svgplot

import (
	"encoding/base64"
	"fmt"
	"html"
	"math"
)

// Step rounds raw, a wished-for distance between two ticks of an axis, up
// to 1, 2 or 5 times a power of ten: 0.13 gives 0.2, 7 gives 10. A raw step
// of 0 or less gives 1.
func Step(raw float64) float64 {
	if !(raw > 0) {
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

// Tick labels the tick at v on an axis whose ticks are step apart, with as
// many decimals as the step needs: "0.25" for a step of 0.05, "3" for a step
// of 1.
func Tick(v, step float64) string {
	dec := 0
	if step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return fmt.Sprintf("%.*f", dec, v)
}

// Image returns an HTML <img> whose source is svg itself (a data: URI),
// width by height pixels, scaling down with the page, with alt as its
// alternative text. JupyterLab reduces inline SVG to its bare text in a
// notebook that is not trusted (one opened with its saved outputs, as from
// a fresh clone), but shows this form as the picture.
func Image(svg string, width, height int, alt string) string {
	return fmt.Sprintf(`<img src="data:image/svg+xml;base64,%s" width="%d" height="%d" style="max-width:100%%;height:auto" alt="%s">`,
		base64.StdEncoding.EncodeToString([]byte(svg)), width, height, html.EscapeString(alt))
}
