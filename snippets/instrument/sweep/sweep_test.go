package sweep

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/server/gate"
	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// points returns points shaped like notebook 01's sweep, with the gate
// model's predictions as measurements plus a little overhead.
func points() []Point {
	video := gate.Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 1}
	var pts []Point
	for _, limit := range []int{1, 2, 5, 10, 20, 50, 100} {
		pred := gate.Predict(video, 100, limit)
		pts = append(pts, Point{
			Limit:     limit,
			Predicted: pred,
			Result: measure.Result{Name: "limit", WallSeconds: pred.Seconds() * 1.02, Server: map[string]videoapi.EndpointStats{
				"video": {Served: 100, PeakInFlight: min(limit, 10), PeakWaiting: max(limit-10, 0)},
			}},
		})
	}
	return pts
}

func TestPointString(t *testing.T) {
	points := points()
	for _, tc := range []struct {
		point Point
		want  string
	}{
		{points[0], "limit   1: 20.4 s measured, 20.0 s predicted; the server had 1 at once, 0 queued, 0 slowed"},
		{points[3], "limit  10: 2.04 s measured, 2.00 s predicted; the server had 10 at once, 0 queued, 0 slowed"},
		{points[6], "limit 100: " + display.Seconds(points[6].Result.WallSeconds) + " measured, " + display.Seconds(points[6].Predicted.Seconds()) + " predicted; the server had 10 at once, 90 queued, 0 slowed"},
		{Point{Limit: 5, Predicted: time.Second}, "limit   5: 0.00 s measured, 1.00 s predicted; the server had 0 at once, 0 queued, 0 slowed"},
	} {
		if got := tc.point.String(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestShow(t *testing.T) {
	var sent []display.Output
	defer display.Redirect(func(o display.Output) { sent = append(sent, o) })()
	l := Show("100 requests, limit by limit", 10, points())
	if len(l.Points) != 7 || l.Points[6].PeakWaiting != 90 || l.Points[3].PredictedSeconds != 2 {
		t.Errorf("points %+v", l.Points)
	}
	d := sent[0]
	if !strings.HasPrefix(d["text/html"], `<img src="data:image/svg+xml;base64,`) {
		t.Errorf("the chart is not an image: %.80s", d["text/html"])
	}
	svg := l.svg()
	if err := xml.Unmarshal([]byte(svg), new(struct{ XMLName xml.Name })); err != nil {
		t.Errorf("the chart is not well-formed XML: %v", err)
	}
	for _, want := range []string{"server capacity 10", "measured", "the gate model predicts", ">100<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	var got struct{ Limits Chart }
	if err := json.Unmarshal([]byte(d[display.FiguresMIME]), &got); err != nil || len(got.Limits.Points) != 7 {
		t.Errorf("attached figures %+v, %v", got, err)
	}
	if !strings.Contains(d["text/plain"], "limit   measured  predicted") {
		t.Errorf("text/plain:\n%s", d["text/plain"])
	}
}

func TestChartAsText(t *testing.T) {
	var c Chart
	for _, p := range points() {
		c.Points = append(c.Points, p.figures())
	}
	if got := c.text(); !strings.Contains(got, "    10     2.04 s     2.00 s") {
		t.Errorf("text table:\n%s", got)
	}
}

func TestLargestGap(t *testing.T) {
	tests := []struct {
		points []Figures
		want   string
	}{
		{nil, ""},
		{[]Figures{{Limit: 1, WallSeconds: 21, PredictedSeconds: 20}, {Limit: 13, WallSeconds: 3.3, PredictedSeconds: 3.8}}, "farthest from the model: limit 13, measured -13% against the prediction"},
		{[]Figures{{Limit: 1, WallSeconds: 22, PredictedSeconds: 20}, {Limit: 10, WallSeconds: 2.0, PredictedSeconds: 2.0}}, "farthest from the model: limit 1, measured +10% against the prediction"},
	}
	for _, tt := range tests {
		if got := (Chart{Points: tt.points}).LargestGap(); got != tt.want {
			t.Errorf("LargestGap(%v) = %q, want %q", tt.points, got, tt.want)
		}
	}
}

// TestModelDrawnOnTop: the model's line comes after the measured one in the
// SVG, so that it shows where the two coincide.
func TestModelDrawnOnTop(t *testing.T) {
	var c Chart
	for _, p := range points() {
		c.Points = append(c.Points, p.figures())
	}
	svg := c.svg()
	measured := strings.Index(svg, `stroke="`+measuredColor+`" stroke-width="2.5"/>`)
	model := strings.Index(svg, `stroke="`+predColor+`" stroke-width="2" stroke-dasharray`)
	if measured < 0 || model < measured {
		t.Errorf("the model's line (at %d) is not drawn after the measured one (at %d)", model, measured)
	}
	if n := strings.Count(svg, `r="7" fill="none"`); n != len(c.Points)+1 {
		t.Errorf("%d open circles, want one per point and one in the legend (%d)", n, len(c.Points)+1)
	}
}
