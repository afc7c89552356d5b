package display

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestShowInANotebook(t *testing.T) {
	var got []Output
	restore := Redirect(func(o Output) { got = append(got, o) })
	defer restore()
	var text strings.Builder
	Show(&text, "a: 1.00 s\n", func() string { return "<b>a</b>" }, map[string]float64{"wall_seconds": 1})
	if len(got) != 1 || text.Len() != 0 {
		t.Fatalf("outputs %v, text %q: want one output and no text", got, text.String())
	}
	o := got[0]
	var figures map[string]float64
	if err := json.Unmarshal([]byte(o[FiguresMIME]), &figures); err != nil || figures["wall_seconds"] != 1 {
		t.Errorf("figures %q (%v)", o[FiguresMIME], err)
	}
	if o["text/html"] != "<b>a</b>" || o["text/plain"] != "a: 1.00 s\n" {
		t.Errorf("output %v", o)
	}
}

func TestShowAsText(t *testing.T) {
	var text strings.Builder
	called := false
	Show(&text, "a: 1.00 s\n", func() string { called = true; return "" }, nil)
	if text.String() != "a: 1.00 s\n" || called {
		t.Errorf("text %q, HTML rendered: %v", text.String(), called)
	}
}

func TestTable(t *testing.T) {
	got := Table([][]string{{"run", "wall"}, {"a<b", "1.00 s"}})
	for _, want := range []string{"<th ", ">run</th>", ">a&lt;b</td>", "text-align:left", ">1.00 s</td>"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestSeconds(t *testing.T) {
	for in, want := range map[float64]string{0.8: "0.80 s", 10.91: "10.9 s", 118.6: "119 s"} {
		if got := Seconds(in); got != want {
			t.Errorf("Seconds(%g) = %q, want %q", in, got, want)
		}
	}
}
