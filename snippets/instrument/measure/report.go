package measure

import (
	"fmt"
	"html"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// Text is the plain-text report of the run.
func (res Result) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", res.Name, display.Seconds(res.WallSeconds))
	if tries := res.triesLine(); tries != "" {
		fmt.Fprintf(&b, "  %s\n", tries)
	}
	for _, note := range []string{res.Error, res.Room} {
		if note != "" {
			fmt.Fprintf(&b, "  %s\n", note)
		}
	}
	for _, name := range res.gateNames() {
		fmt.Fprintf(&b, "  server %-11s %s\n", gateLabel(name)+":", describeGate(res.Server[name]))
	}
	if res.busyEnough() {
		fmt.Fprintf(&b, "  CPU: %s used in %s = %.1f of %d cores busy\n", display.Seconds(res.CPUSeconds), display.Seconds(res.WallSeconds), res.CoresBusy(), res.Cores)
	}
	if len(res.Steps) > 0 {
		fmt.Fprintf(&b, "  %-11s %6s %8s %9s %9s %9s\n", "work", "count", "at once", "mean", "longest", "last done")
		for _, s := range res.Steps {
			fmt.Fprintf(&b, "  %-11s %6d %8d %9s %9s %9s\n", s.Lane, s.Count, s.AtOnce, display.Seconds(s.MeanSeconds), display.Seconds(s.LongestSeconds), display.Seconds(s.LastEndSeconds))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(res.Values)) {
		fmt.Fprintf(&b, "  %s: %g\n", k, res.Values[k])
	}
	for _, note := range []string{res.busyMachine(), res.OthersNote()} {
		if note != "" {
			fmt.Fprintf(&b, "  %s\n", note)
		}
	}
	return b.String()
}

// HTML is the rich report of the run: a summary line, what the server went
// through, the CPU, the kinds of work and the timeline picture of rec (nil
// for none).
func (res Result) HTML(rec *timeline.Recorder) string {
	return res.html(rec, false)
}

// html is HTML with the waiting track left out of the timeline if hideWaiting.
func (res Result) html(rec *timeline.Recorder, hideWaiting bool) string {
	var b strings.Builder
	b.WriteString(`<div style="font-size:14px;line-height:1.4">`)
	fmt.Fprintf(&b, "<div><b>%s</b>: %s</div>", html.EscapeString(res.Name), display.Seconds(res.WallSeconds))
	if tries := res.triesLine(); tries != "" {
		fmt.Fprintf(&b, "<div>%s</div>", html.EscapeString(tries))
	}
	for _, note := range []string{res.Error, res.Room} {
		if note != "" {
			fmt.Fprintf(&b, "<div><i>%s</i></div>", html.EscapeString(note))
		}
	}
	if names := res.gateNames(); len(names) > 0 {
		rows := [][]string{{"server endpoint", "answered", "at most at once", "at most queued", "slowed by the queue", "turned away (503)"}}
		for _, n := range names {
			s := res.Server[n]
			rows = append(rows, []string{gateLabel(n), itoa(s.Served), itoa(s.PeakInFlight), itoa(s.PeakWaiting), itoa(s.Degraded), itoa(s.Rejected)})
		}
		b.WriteString(display.Table(rows))
	}
	if res.busyEnough() {
		fmt.Fprintf(&b, "<div>CPU: %s used in %s = %.1f of %d cores busy on average</div>",
			display.Seconds(res.CPUSeconds), display.Seconds(res.WallSeconds), res.CoresBusy(), res.Cores)
	}
	if len(res.Steps) > 0 {
		rows := [][]string{{"work", "count", "at once", "mean", "longest", "last done at"}}
		for _, s := range res.Steps {
			rows = append(rows, []string{s.Lane, itoa(s.Count), itoa(s.AtOnce), display.Seconds(s.MeanSeconds), display.Seconds(s.LongestSeconds), display.Seconds(s.LastEndSeconds)})
		}
		b.WriteString(display.Table(rows))
	}
	for _, k := range slices.Sorted(maps.Keys(res.Values)) {
		fmt.Fprintf(&b, "<div>%s: %g</div>", html.EscapeString(k), res.Values[k])
	}
	for _, note := range []string{res.busyMachine(), res.OthersNote()} {
		if note != "" {
			fmt.Fprintf(&b, "<div><i>%s</i></div>", html.EscapeString(note))
		}
	}
	if rec != nil && len(res.Steps) > 0 {
		// An <img> of the SVG, not the SVG inline: JupyterLab shows inline
		// SVG of an untrusted notebook (one just cloned) as text.
		b.WriteString("<div>" + rec.HTML(timeline.SVGOptions{Title: res.Name, HideWaiting: hideWaiting}) + "</div>")
	}
	b.WriteString("</div>")
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

// gateNames returns the server endpoints of res in the order of the
// server's endpoint table, then any other in alphabetical order.
func (res Result) gateNames() []string {
	names := slices.Collect(maps.Keys(res.Server))
	slices.SortFunc(names, endpoints.Compare)
	return names
}

// Busiest returns the endpoint of the server that did the most for the run
// (the most answers plus turned away requests), to sum up what the server
// went through in one line; ok is false when the run reached no endpoint.
func (res Result) Busiest() (name string, stats videoapi.EndpointStats, ok bool) {
	most := -1
	for _, n := range res.gateNames() {
		if s := res.Server[n]; s.Served+s.Rejected > most {
			name, stats, most = n, s, s.Served+s.Rejected
		}
	}
	return name, stats, most >= 0
}

// gateLabel names an endpoint of the server for a learner.
func gateLabel(name string) string { return endpoints.Label(name) }

// describeGate says in words what one endpoint went through.
func describeGate(s videoapi.EndpointStats) string {
	parts := []string{fmt.Sprintf("%d answered, at most %d at once", s.Served, s.PeakInFlight)}
	if s.PeakWaiting > 0 {
		parts = append(parts, fmt.Sprintf("up to %d queued", s.PeakWaiting))
	}
	if s.Degraded > 0 {
		parts = append(parts, fmt.Sprintf("%d slowed down by the queue", s.Degraded))
	}
	if s.Rejected > 0 {
		parts = append(parts, fmt.Sprintf("%d turned away (503)", s.Rejected))
	}
	return strings.Join(parts, ", ")
}
