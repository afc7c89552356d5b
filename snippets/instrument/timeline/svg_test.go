package timeline

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shapes are the span sets the SVG tests draw.
func shapes() map[string][]Span {
	return map[string][]Span{
		"none":              nil,
		"escaping":          {{"a<b", "x&y\"", 0, ms(5)}},
		"small":             fixedSpans(),
		"4 sequential":      sequential4(),
		"100 ten at a time": gate10(),
		"100 at once":       burst100(),
		"400 final":         final400(),
		"400 attempt":       attempt400(),
	}
}

// svgElem is an element of a parsed SVG: its name, attributes and the text
// of its <title> child when it has one.
type svgElem struct {
	name  string
	attr  map[string]string
	title string
	text  string
}

// parseSVG checks that svg is well-formed XML with an <svg> root and
// returns its elements in document order.
func parseSVG(t *testing.T, svg string) []*svgElem {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var elems, stack []*svgElem
	inTitle := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("invalid XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &svgElem{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				e.attr[a.Name.Local] = a.Value
			}
			if len(elems) == 0 && (e.name != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("root element is %v, want svg in the SVG namespace", tok.Name)
			}
			inTitle = e.name == "title"
			elems = append(elems, e)
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			inTitle = false
		case xml.CharData:
			if inTitle && len(stack) >= 2 {
				stack[len(stack)-2].title += string(tok)
			} else if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if len(elems) == 0 {
		t.Fatal("empty SVG")
	}
	return elems
}

func num(t *testing.T, e *svgElem, name string) float64 {
	t.Helper()
	if _, ok := e.attr[name]; !ok && (name == "x" || name == "y") {
		return 0 // SVG's default
	}
	v, err := strconv.ParseFloat(e.attr[name], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", e.name, name, e.attr[name], err)
	}
	return v
}

// TestSVGIsWellFormed checks every chart: well-formed, self-contained,
// SVGWidth wide with a matching viewBox, everything inside the picture,
// and one hover-titled bar per span of each lane drawn with rows.
func TestSVGIsWellFormed(t *testing.T) {
	for name, spans := range shapes() {
		t.Run(name, func(t *testing.T) {
			r := FromSpans(spans)
			svg := r.SVG()
			elems := parseSVG(t, svg)
			root := elems[0]
			width, height := num(t, root, "width"), num(t, root, "height")
			if width != SVGWidth || root.attr["viewBox"] != fmt.Sprintf("0 0 %d %d", SVGWidth, int(height)) {
				t.Errorf("size %vx%v, viewBox %q", width, height, root.attr["viewBox"])
			}
			if height > 900 {
				t.Errorf("height %v: taller than a screen", height)
			}
			if regexp.MustCompile(`(?i)(href|url\(|<script|<image|<style|@import)`).MatchString(svg) {
				t.Error("the SVG refers to something outside itself")
			}
			bars := 0
			for _, e := range elems {
				switch e.name {
				case "rect":
					x, y, w, h := num(t, e, "x"), num(t, e, "y"), num(t, e, "width"), num(t, e, "height")
					if x < 0 || y < 0 || w <= 0 || h <= 0 || x+w > width+0.05 || y+h > height+0.05 {
						t.Errorf("rect %v outside the picture", e.attr)
					}
					if e.title != "" {
						bars++
					}
				case "text":
					if y := num(t, e, "y"); y < 10 || y > height {
						t.Errorf("text at y=%v outside the picture", y)
					}
				}
			}
			c := r.chartLocked(SVGOptions{})
			want := 0
			for _, tr := range c.tracks {
				if !tr.density {
					want += len(tr.spans)
				}
			}
			if bars != want {
				t.Errorf("%d bars with a title, want %d", bars, want)
			}
		})
	}
}

// TestSVGDeterministic: the same spans, in any order, give the same bytes.
func TestSVGDeterministic(t *testing.T) {
	spans := final400()
	want := FromSpans(spans).SVG()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		shuffled := append([]Span(nil), spans...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		r := FromSpans(shuffled)
		r.lanes = []string{"get video", "transcript", "model", "save"} // as first seen unshuffled
		if got := r.SVG(); got != want {
			t.Fatal("shuffled spans give a different chart")
		}
	}
}

// TestChooseRows checks which lanes are drawn with rows and which as
// density, and that rows stay within their bounds.
func TestChooseRows(t *testing.T) {
	tests := []struct {
		name    string
		spans   []Span
		density []string // tracks drawn as density, in order
	}{
		{"4 sequential", sequential4(), nil},
		{"ten at a time", gate10(), nil},
		{"100 at once", burst100(), []string{"get video"}},
		{"final", final400(), []string{WaitingLane}},
		{"attempt", attempt400(), []string{"get video", "model"}},
		{"small", fixedSpans(), []string{WaitingLane}},
		{"more than MaxBars", manyVideos(MaxBars + 1), []string{"get video", "transcript", "model", "save"}},
		{"MaxBars", manyVideos(MaxBars), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := FromSpans(tt.spans).chartLocked(SVGOptions{})
			var dense []string
			total := 0.0
			for _, tr := range c.tracks {
				if tr.density {
					dense = append(dense, tr.name)
					if tr.h < min(DensityHeight, max(float64(tr.peak)*MaxRowHeight, MinTrackHeight)) || tr.h > 2*DensityHeight {
						t.Errorf("%s: density height %v", tr.name, tr.h)
					}
				} else if tr.h < float64(tr.nrows)*c.rowH {
					t.Errorf("%s: %d rows of %v px do not fit in %v px", tr.name, tr.nrows, c.rowH, tr.h)
				}
				total += tr.h
			}
			if fmt.Sprint(dense) != fmt.Sprint(tt.density) {
				t.Errorf("density tracks %v, want %v", dense, tt.density)
			}
			if c.rowH < MinRowHeight || c.rowH > MaxRowHeight {
				t.Errorf("row height %v outside [%v, %v]", c.rowH, MinRowHeight, MaxRowHeight)
			}
			if total > PlotBudget+MinTrackHeight {
				t.Errorf("tracks %v px tall, budget %v", total, PlotBudget)
			}
		})
	}
}

// TestRenderSVGOptions checks the title, caption and waiting options.
func TestRenderSVGOptions(t *testing.T) {
	r := FromSpans(final400())
	plain := r.SVG()
	if !strings.Contains(plain, ">"+esc(r.Summary())+"<") {
		t.Error("default title is not the summary")
	}
	if !strings.Contains(plain, ">"+WaitingLane+"<") {
		t.Error("default chart has no waiting track")
	}
	o := SVGOptions{Title: "Final <version>", Caption: strings.Repeat("Look at the model lane & the queue. ", 8), HideWaiting: true}
	svg := r.RenderSVG(o)
	var texts []string
	for _, e := range parseSVG(t, svg) {
		if e.name == "text" {
			texts = append(texts, e.text)
		}
	}
	all := strings.Join(texts, " ")
	for _, want := range []string{"Final <version>", r.Summary(), strings.TrimSpace(o.Caption)} {
		if !strings.Contains(all, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Contains(svg, ">"+WaitingLane+"<") {
		t.Error("HideWaiting left the waiting track")
	}
	if _, h, _ := r.render(o); float64(h) <= num(t, parseSVG(t, r.RenderSVG(SVGOptions{HideWaiting: true}))[0], "height") {
		t.Error("title and caption lines did not make the chart taller")
	}
}

// TestHTML checks the <img> form: its data URI holds the same SVG.
func TestHTML(t *testing.T) {
	r := FromSpans(fixedSpans())
	o := SVGOptions{Title: `"quoted" & <b>`}
	h := r.HTML(o)
	m := regexp.MustCompile(`^<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" width="900" height="(\d+)" style="max-width:100%;height:auto" alt="([^"<>]*)">$`).FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("HTML() = %.200s", h)
	}
	svg, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if string(svg) != r.RenderSVG(o) {
		t.Error("the image is not the chart")
	}
	if h := num(t, parseSVG(t, string(svg))[0], "height"); m[2] != fmt.Sprint(h) {
		t.Errorf("height %s, chart %v", m[2], h)
	}
	if want := esc(o.Title + ": " + r.Summary()); m[3] != want {
		t.Errorf("alt %q, want %q", m[3], want)
	}
}

func TestLabelInk(t *testing.T) {
	for _, c := range []struct{ fill, want string }{
		{"#0072B2", "#FFFFFF"}, {"#E69F00", "#000000"}, {"#F0E442", "#000000"}, {"#000000", "#FFFFFF"}, {"#zz", textColor}, {"#123", textColor},
	} {
		if got := labelInk(c.fill); got != c.want {
			t.Errorf("labelInk(%s) = %s, want %s", c.fill, got, c.want)
		}
	}
}

func TestWrap(t *testing.T) {
	lines := wrap("one two three four five six seven eight nine ten eleven twelve", 10, 110)
	for _, l := range lines {
		if len(l) > 20 {
			t.Errorf("line %q too long", l)
		}
	}
	if strings.Join(lines, " ") != "one two three four five six seven eight nine ten eleven twelve" {
		t.Errorf("wrap lost words: %q", lines)
	}
	if wrap("", 12, 500) != nil {
		t.Error("empty text wraps to lines")
	}
}

// BenchmarkSVG renders charts of 4 to 40,000 spans and reports the time
// per span and the size of the SVG.
func BenchmarkSVG(b *testing.B) {
	for _, bc := range []struct {
		name  string
		spans []Span
	}{
		{"4", sequential4()},
		{"100", burst100()},
		{"400_final", final400()},
		{"400_attempt", attempt400()},
		{"40000", manyVideos(10000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := FromSpans(bc.spans)
			size := 0
			for b.Loop() {
				size = len(r.SVG())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(bc.spans)), "ns/span")
			b.ReportMetric(float64(size)/1024, "KiB")
		})
	}
}

// manyVideos is the final400 shape for n videos.
func manyVideos(n int) []Span {
	var out []Span
	for i := range n {
		id := fmt.Sprint("v", i)
		v := time.Duration(i/5) * ms(200)
		m := v + ms(200) + time.Duration(i%3)*ms(10)
		out = append(out,
			Span{"get video", id, v, v + ms(200)},
			Span{"transcript", id, v, v + ms(100)},
			Span{"model", id, m, m + ms(400)},
			Span{"save", id, m + ms(400), m + ms(450)})
	}
	return out
}
