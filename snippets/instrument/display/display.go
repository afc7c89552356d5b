// Package display shows the workshop's reports: in a GoNB notebook as one
// rich output carrying HTML for people, the plain text, and the figures as
// JSON under FiguresMIME for programs (the notebooks' checks read them
// there; no front end displays that type); anywhere else as the plain text.
// It also holds what the reports share: an HTML table, and how seconds read.
package display

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// FiguresMIME is the MIME type under which Show attaches a report's figures
// as JSON to the notebook output it shows.
const FiguresMIME = "application/vnd.go-async-workshop.run+json"

// Output is one rich output: content by MIME type.
type Output map[string]string

var (
	redirectMu sync.Mutex
	redirect   func(Output) // set by Redirect
)

// Show presents a report: in a notebook as one Output holding html(), text
// and figures as JSON; elsewhere as text written to w (os.Stdout if nil).
// html is called only in a notebook.
func Show(w io.Writer, text string, html func() string, figures any) {
	redirectMu.Lock()
	send := redirect
	redirectMu.Unlock()
	if send == nil && !gonbui.IsNotebook {
		if w == nil {
			w = os.Stdout
		}
		fmt.Fprint(w, text)
		return
	}
	out := Output{"text/html": html(), "text/plain": text, FiguresMIME: jsonOf(figures)}
	if send != nil {
		send(out)
		return
	}
	d := &protocol.DisplayData{Data: map[protocol.MIMEType]any{}}
	for mime, content := range out {
		d.Data[protocol.MIMEType(mime)] = content
	}
	gonbui.SendData(d)
	gonbui.Sync() // the cell's program may end right after: wait until it arrived
}

// Redirect makes Show hand its outputs to f, as if the program ran in a
// notebook, until restore is called. It is for tests of code that shows
// reports.
func Redirect(f func(Output)) (restore func()) {
	redirectMu.Lock()
	defer redirectMu.Unlock()
	previous := redirect
	redirect = f
	return func() {
		redirectMu.Lock()
		defer redirectMu.Unlock()
		redirect = previous
	}
}

// jsonOf encodes figures for the FiguresMIME attachment ("{}" if it cannot).
func jsonOf(figures any) string {
	b, err := json.Marshal(figures)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// Styles of the HTML reports: plain tables that read well on the light and
// dark JupyterLab themes (no colours of their own but the timeline's).
const (
	tableStyle = `style="border-collapse:collapse;margin:4px 0 8px 0;font-size:13px"`
	cellStyle  = `style="padding:2px 10px;text-align:right;border-bottom:1px solid rgba(128,128,128,.35)"`
	headStyle  = `style="padding:2px 10px;text-align:right;border-bottom:1px solid rgba(128,128,128,.7);font-weight:600"`
	nameStyle  = `style="padding:2px 10px;text-align:left;border-bottom:1px solid rgba(128,128,128,.35)"`
)

// Table renders rows of cells as an HTML table, each cell escaped: the first
// row is the header and the first column is left-aligned.
func Table(rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table " + tableStyle + ">")
	for i, row := range rows {
		b.WriteString("<tr>")
		for j, c := range row {
			style, tag := cellStyle, "td"
			switch {
			case i == 0:
				style, tag = headStyle, "th"
			case j == 0:
				style = nameStyle
			}
			fmt.Fprintf(&b, "<%s %s>%s</%s>", tag, style, html.EscapeString(c), tag)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}

// Seconds formats a time in seconds for people: "0.80 s", "10.9 s", "118 s".
func Seconds(s float64) string {
	switch {
	case s < 10:
		return fmt.Sprintf("%.2f s", s)
	case s < 100:
		return fmt.Sprintf("%.1f s", s)
	}
	return fmt.Sprintf("%.0f s", s)
}
