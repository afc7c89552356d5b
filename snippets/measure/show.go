package measure

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"os"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
)

// stdout is where reports without a Run go as text; tests replace it.
var stdout = func() io.Writer { return os.Stdout }

// inNotebook reports whether the program runs as a GoNB cell; tests replace it.
var inNotebook = func() bool { return gonbui.IsNotebook }

// sendToNotebook shows one rich output in the notebook; tests replace it.
var sendToNotebook = func(data map[string]string) {
	d := &protocol.DisplayData{Data: map[protocol.MIMEType]any{}}
	for mime, content := range data {
		d.Data[protocol.MIMEType(mime)] = content
	}
	gonbui.SendData(d)
	gonbui.Sync() // the cell's program may end right after: wait until it arrived
}

// show presents a report: in a notebook as one output carrying HTML, plain
// text and the figures as JSON (ResultMIME); elsewhere as plain text on w.
func show(w io.Writer, text string, htmlOf func() string, figures any) {
	if !inNotebook() {
		fmt.Fprint(w, text)
		return
	}
	sendToNotebook(map[string]string{
		"text/html":  htmlOf(),
		"text/plain": text,
		ResultMIME:   jsonOf(figures),
	})
}

// Styles of the HTML reports: plain tables that read well on the light and
// dark JupyterLab themes (no colours of their own but the timeline's).
const (
	tableStyle = `style="border-collapse:collapse;margin:4px 0 8px 0;font-size:13px"`
	cellStyle  = `style="padding:2px 10px;text-align:right;border-bottom:1px solid rgba(128,128,128,.35)"`
	headStyle  = `style="padding:2px 10px;text-align:right;border-bottom:1px solid rgba(128,128,128,.7);font-weight:600"`
	nameStyle  = `style="padding:2px 10px;text-align:left;border-bottom:1px solid rgba(128,128,128,.35)"`
)

// table renders rows of cells as an HTML table; the first row is the header
// and the first column is left-aligned.
func table(rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table " + tableStyle + ">")
	for i, row := range rows {
		b.WriteString("<tr>")
		for j, c := range row {
			style := cellStyle
			switch {
			case i == 0:
				style = headStyle
			case j == 0:
				style = nameStyle
			}
			tag := "td"
			if i == 0 {
				tag = "th"
			}
			fmt.Fprintf(&b, "<%s %s>%s</%s>", tag, style, html.EscapeString(c), tag)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
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
	fmt.Fprintf(&b, "<div><b>%s</b>: %s</div>", html.EscapeString(res.Name), seconds(res.WallSeconds))
	if names := res.gateNames(); len(names) > 0 {
		rows := [][]string{{"server endpoint", "answered", "at most at once", "at most queued", "slowed by the queue", "turned away (503)"}}
		for _, n := range names {
			s := res.Server[n]
			rows = append(rows, []string{gateLabel(n), itoa(s.Served), itoa(s.PeakInFlight), itoa(s.PeakWaiting), itoa(s.Degraded), itoa(s.Rejected)})
		}
		b.WriteString(table(rows))
	}
	if res.busyEnough() {
		fmt.Fprintf(&b, "<div>CPU: %s used in %s = %.1f of %d cores busy on average</div>",
			seconds(res.CPUSeconds), seconds(res.WallSeconds), res.CoresBusy(), res.Cores)
	}
	if len(res.Steps) > 0 {
		rows := [][]string{{"work", "count", "at once", "mean", "longest", "last done at"}}
		for _, s := range res.Steps {
			rows = append(rows, []string{s.Lane, itoa(s.Count), itoa(s.AtOnce), seconds(s.MeanSeconds), seconds(s.LongestSeconds), seconds(s.LastEndSeconds)})
		}
		b.WriteString(table(rows))
	}
	for _, k := range sortedKeys(res.Values) {
		fmt.Fprintf(&b, "<div>%s: %g</div>", html.EscapeString(k), res.Values[k])
	}
	if note := res.busyMachine(); note != "" {
		fmt.Fprintf(&b, "<div><i>%s</i></div>", html.EscapeString(note))
	}
	if rec != nil && len(res.Steps) > 0 {
		// An <img> of the SVG, not the SVG inline: JupyterLab shows inline
		// SVG of an untrusted notebook (one just cloned) as text.
		b.WriteString("<div>" + rec.HTML(timeline.SVGOptions{Title: res.Name, HideWaiting: hideWaiting}) + "</div>")
	}
	b.WriteString("</div>")
	return b.String()
}

func itoa(n int) string { return fmt.Sprint(n) }

// svgImage wraps an SVG document in an <img> with a data URI, which
// JupyterLab shows even in an untrusted notebook.
func svgImage(svg string, width, height int, alt string) string {
	return fmt.Sprintf(`<img src="data:image/svg+xml;base64,%s" width="%d" height="%d" style="max-width:100%%;height:auto" alt="%s">`,
		base64.StdEncoding.EncodeToString([]byte(svg)), width, height, html.EscapeString(alt))
}
