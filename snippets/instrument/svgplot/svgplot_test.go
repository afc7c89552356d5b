package svgplot

import (
	"encoding/base64"
	"regexp"
	"testing"
)

func TestStep(t *testing.T) {
	for raw, want := range map[float64]float64{0.13: 0.2, 0.2: 0.2, 0.3: 0.5, 7: 10, 10: 10, 11: 20, 450: 500, 0: 1, -3: 1} {
		if got := Step(raw); got != want {
			t.Errorf("Step(%g) = %g, want %g", raw, got, want)
		}
	}
}

func TestTick(t *testing.T) {
	tests := []struct {
		v, step float64
		want    string
	}{
		{0.25, 0.05, "0.25"}, {0.4, 0.2, "0.4"}, {1, 0.5, "1.0"}, {3, 1, "3"}, {20, 5, "20"}, {0.002, 0.001, "0.002"},
	}
	for _, tt := range tests {
		if got := Tick(tt.v, tt.step); got != tt.want {
			t.Errorf("Tick(%g, %g) = %q, want %q", tt.v, tt.step, got, tt.want)
		}
	}
}

func TestImage(t *testing.T) {
	svg := `<svg xmlns="http://www.w3.org/2000/svg"/>`
	got := Image(svg, 900, 120, `a "chart" <1>`)
	m := regexp.MustCompile(`^<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" width="900" height="120" style="max-width:100%;height:auto" alt="a &#34;chart&#34; &lt;1&gt;">$`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("Image = %s", got)
	}
	if b, err := base64.StdEncoding.DecodeString(m[1]); err != nil || string(b) != svg {
		t.Errorf("the data URI holds %q (%v), want the SVG", b, err)
	}
}
