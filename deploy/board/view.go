package board

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Limits of the notebook view.
const (
	// MaxNotebookView bounds the contents API's answer the board reads for
	// one notebook; a larger notebook is refused, not cut.
	MaxNotebookView = 4 << 20
	// NotebookDir is where the workshop's notebooks are in an attendee's
	// server (the path JupyterLab opens first).
	NotebookDir = "workshop/notebooks"
	// ViewCSP is the view page's policy: no script, no frame, nothing
	// loaded from anywhere; styles from the page itself.
	ViewCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

// Notebooks are the file names of the workshop's eight notebooks, the only
// ones the board shows.
var Notebooks = []string{
	"00_start_here.ipynb", "01_snippets_from_the_slides.ipynb", "02_content_warnings_sync.ipynb",
	"03_content_warnings_goroutines_attempt.ipynb", "04_content_warnings_final.ipynb",
	"05_channel_queues.ipynb", "06_companion_examples.ipynb", "07_pitfalls.ipynb",
}

// Errors of reading an attendee's notebook.
var (
	ErrTooLarge   = fmt.Errorf("the notebook is larger than %d MiB", MaxNotebookView>>20)
	ErrNoNotebook = errors.New("the attendee's server has no such notebook")
	ErrNoServer   = errors.New("the attendee's server does not answer (is it running?)")
)

// Notebook reads notebook (one of Notebooks) from name's Jupyter server
// through the hub's proxy (h.Servers), with the board's own token, and
// returns the contents API's answer.
func (h *Hub) Notebook(ctx context.Context, name, notebook string) ([]byte, error) {
	if !ValidName(name) || !slices.Contains(Notebooks, notebook) {
		return nil, fmt.Errorf("%q of %q is not a workshop notebook of an attendee", clip(notebook), clip(name))
	}
	if h.Servers == "" {
		return nil, errors.New("the board does not know where the attendees' servers are (BOARD_SERVERS_URL)")
	}
	ctx, cancel := context.WithTimeout(ctx, HubTimeout)
	defer cancel()
	u := strings.TrimRight(h.Servers, "/") + "/user/" + url.PathEscape(name) + "/api/contents/" +
		NotebookDir + "/" + url.PathEscape(notebook) + "?type=notebook&content=1"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "token "+h.Token)
	client := http.Client{Timeout: HubTimeout}
	if h.Client != nil {
		client = *h.Client
	}
	// A stopped server is a redirect to the hub's spawn page: not followed.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoServer, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, ErrNoNotebook
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return nil, fmt.Errorf("the server refused the board's token (%s): the board's role needs access:servers", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: it answered %s", ErrNoServer, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxNotebookView+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoServer, err)
	}
	if len(raw) > MaxNotebookView {
		return nil, ErrTooLarge
	}
	return raw, nil
}

// multiline is a notebook string: one string or a list of lines.
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = multiline(s)
		return nil
	}
	var lines []string
	if err := json.Unmarshal(b, &lines); err != nil {
		return err
	}
	*m = multiline(strings.Join(lines, ""))
	return nil
}

// contents is what the board reads of the contents API's answer.
type contents struct {
	Content struct {
		Cells []struct {
			Type    string    `json:"cell_type"`
			Source  multiline `json:"source"`
			Outputs []struct {
				Type      string               `json:"output_type"`
				Text      multiline            `json:"text"`
				Data      map[string]multiline `json:"data"`
				EName     string               `json:"ename"`
				EValue    string               `json:"evalue"`
				Traceback []string             `json:"traceback"`
			} `json:"outputs"`
		} `json:"cells"`
	} `json:"content"`
}

// ViewCell is a cell as the view shows it: text only.
type ViewCell struct {
	Kind    string // "markdown", "code" or "raw"
	Source  string
	Outputs []ViewOutput
}

// ViewOutput is one output as text; Note says what was left out.
type ViewOutput struct {
	Text, Note string
}

// ansi matches terminal colour codes (in a traceback).
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// ParseNotebook turns a contents API answer into cells of plain text:
// text/plain outputs only, every other kind named in a note.
func ParseNotebook(raw []byte) ([]ViewCell, error) {
	var c contents
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("not a notebook: %v", err)
	}
	cells := make([]ViewCell, 0, len(c.Content.Cells))
	for _, cell := range c.Content.Cells {
		vc := ViewCell{Kind: "raw", Source: string(cell.Source)}
		if cell.Type == "markdown" || cell.Type == "code" {
			vc.Kind = cell.Type
		}
		for _, o := range cell.Outputs {
			var vo ViewOutput
			switch o.Type {
			case "stream":
				vo.Text = ansi.ReplaceAllString(string(o.Text), "")
			case "error":
				vo.Text = ansi.ReplaceAllString(o.EName+": "+o.EValue+"\n"+strings.Join(o.Traceback, "\n"), "")
			default: // execute_result, display_data
				vo.Text = string(o.Data["text/plain"])
				var left []string
				for mime := range o.Data {
					if mime != "text/plain" {
						left = append(left, mime)
					}
				}
				if len(left) > 0 {
					slices.Sort(left)
					vo.Note = "not shown here: a " + strings.Join(left, ", ") + " output"
				}
			}
			vc.Outputs = append(vc.Outputs, vo)
		}
		cells = append(cells, vc)
	}
	return cells, nil
}
