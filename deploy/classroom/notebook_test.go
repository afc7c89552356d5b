package classroom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

// RunMIME is the MIME type of the machine-readable results notebooks
// publish as display_data: a JSON object with "name", "wall_seconds" and
// "server": {gate: {"peak_in_flight", ...}}.
const RunMIME = "application/vnd.go-async-workshop.run+json"

// cell is one cell of a notebook, as the contents API returns it.
type cell struct {
	Type   string
	Source string
}

// firstLine names a cell by its first non-empty source line.
func (c cell) firstLine() string {
	for _, l := range strings.Split(c.Source, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "%%" {
			return l
		}
	}
	return "(empty)"
}

// fetchNotebook reads a notebook from the attendee's server (the contents
// API, as JupyterLab does) and returns its cells and the index of its
// exercise's %test cell, which a learner's Run All shows red.
func (a *attendee) fetchNotebook(ctx context.Context, path string) ([]cell, int, error) {
	var doc struct {
		Content json.RawMessage `json:"content"`
	}
	if err := a.api(ctx, http.MethodGet, "api/contents/"+path+"?type=notebook&content=1", nil, &doc); err != nil {
		return nil, 0, fmt.Errorf("opening %s: %w", path, err)
	}
	nb, err := ipynb.Parse(path, doc.Content)
	if err != nil {
		return nil, 0, err
	}
	ex, err := nb.Exercise()
	if err != nil {
		return nil, 0, err
	}
	var cells []cell
	for _, c := range nb.Cells {
		cells = append(cells, cell{c.Type, c.Source})
	}
	if len(cells) == 0 {
		return nil, 0, fmt.Errorf("%s has no cells", path)
	}
	return cells, ex.Test.Index, nil
}

// multiline decodes nbformat's "string or list of strings".
func multiline(v json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s, nil
	}
	var parts []string
	if err := json.Unmarshal(v, &parts); err != nil {
		return "", fmt.Errorf("cell source is neither a string nor a list of strings")
	}
	return strings.Join(parts, ""), nil
}

// interactive reports whether a cell's code waits for a person: a slider
// (snippets/tool/slider) that stays live until Done or a pause.
func interactive(source string) bool { return strings.Contains(source, "slider.Run(") }

// runAll runs every non-empty code cell in order, as Run All does (or, with
// a pause, as a person reading between cells does), and returns what each
// gave. It stops at the first cell it could not run (a broken connection, a
// timeout); a cell that ran and failed is reported by problems, not here.
func (k *kernel) runAll(ctx context.Context, cells []cell, pause time.Duration) ([]cellRun, error) {
	var runs []cellRun
	for i, c := range cells {
		if c.Type != "code" || strings.TrimSpace(c.Source) == "" {
			continue
		}
		if len(runs) > 0 && pause > 0 {
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return runs, ctx.Err()
			}
		}
		r, err := k.execute(ctx, c.Source)
		r.Index, r.FirstLine, r.Interactive = i, c.firstLine(), interactive(c.Source)
		if err != nil {
			return runs, fmt.Errorf("cell %d (%q): %w", i, r.FirstLine, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func problems(runs []cellRun, exerciseTest int) []string {
	var all []string
	for _, r := range runs {
		where := fmt.Sprintf("cell %d (%q)", r.Index, r.FirstLine)
		if r.Index == exerciseTest {
			// The exercise's test is red until the learner does the work.
			red := false
			for _, o := range r.Outputs {
				red = red || strings.Contains(o.Text+textPlain(o), "--- FAIL")
			}
			if !red {
				all = append(all, fmt.Sprintf("%s: the exercise's test does not show a failing test on the untouched stub", where))
			}
			continue
		}
		if r.Status != "ok" {
			all = append(all, fmt.Sprintf("%s: status %q", where, r.Status))
		}
		for _, o := range r.Outputs {
			if o.Type == "error" {
				all = append(all, fmt.Sprintf("%s: error %s: %s\n%s", where, o.EName, o.EValue, strings.Join(o.Traceback, "\n")))
				continue
			}
			text := o.Text + textPlain(o)
			if m := ipynb.ProblemIn(text); m != "" {
				all = append(all, fmt.Sprintf("%s: output shows %q:\n%s", where, m, clip(text, 1500)))
			}
		}
	}
	return all
}

// textPlain returns an output's text/plain data, if any.
func textPlain(o output) string {
	var s string
	if raw, ok := o.Data["text/plain"]; ok {
		if err := json.Unmarshal(raw, &s); err != nil {
			if parts, err := multiline(raw); err == nil {
				s = parts
			}
		}
	}
	return s
}

// gateStats are a gate's counters during one run.
type gateStats struct {
	PeakInFlight int `json:"peak_in_flight"`
	PeakWaiting  int `json:"peak_waiting"`
	Served       int `json:"served"`
	Degraded     int `json:"degraded"`
	Rejected     int `json:"rejected"`
}

// runResult is one measured run a notebook published.
type runResult struct {
	Name        string               `json:"name"`
	WallSeconds float64              `json:"wall_seconds"`
	Server      map[string]gateStats `json:"server"`
}

// results reads the runs the notebook published as RunMIME display data.
// A JSON MIME bundle normally carries an object; a JSON string holding the
// object is accepted too. Later runs of the same name replace earlier ones.
func results(runs []cellRun) (map[string]runResult, error) {
	all := map[string]runResult{}
	for _, r := range runs {
		for _, o := range r.Outputs {
			raw, ok := o.Data[RunMIME]
			if !ok {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				raw = json.RawMessage(s)
			}
			var kind map[string]json.RawMessage
			if err := json.Unmarshal(raw, &kind); err != nil {
				return nil, fmt.Errorf("cell %d (%q): %s output is not a JSON object (%v): %s", r.Index, r.FirstLine, RunMIME, err, clip(string(raw), 300))
			}
			if _, ok := kind["runs"]; ok { // a comparison of runs, not a run
				continue
			}
			if _, ok := kind["limits"]; ok { // a sweep over concurrency limits
				continue
			}
			var res runResult
			if err := json.Unmarshal(raw, &res); err != nil || res.Name == "" {
				return nil, fmt.Errorf("cell %d (%q): %s output is not a run (%v): %s", r.Index, r.FirstLine, RunMIME, err, clip(string(raw), 300))
			}
			all[res.Name] = res
		}
	}
	return all, nil
}

// lessonRuns returns the runs notebook 01 published, among them "unlimited"
// and "limited".
func lessonRuns(runs []cellRun) (map[string]runResult, error) {
	return results(runs)
}

// checkLesson says what is wrong with the lesson of notebook 01 in the given
// runs: 100 requests at once must take clearly longer than 100 requests 10 at
// a time, and the limited run must fill, and never exceed, the server's 10
// slots.
func checkLesson(res map[string]runResult) []string {
	var bad []string
	u, okU := res["unlimited"]
	l, okL := res["limited"]
	if !okU || !okL {
		names := make([]string, 0, len(res))
		for n := range res {
			names = append(names, n)
		}
		return []string{fmt.Sprintf("the runs \"unlimited\" and \"limited\" were not both published (found %v)", names)}
	}
	if !(l.WallSeconds > 0 && l.WallSeconds < 0.7*u.WallSeconds) {
		bad = append(bad, fmt.Sprintf("limited took %.2fs, not clearly faster than unlimited (%.2fs)", l.WallSeconds, u.WallSeconds))
	}
	if p := l.Server["video"].PeakInFlight; p != 10 {
		bad = append(bad, fmt.Sprintf("limited peak_in_flight on the video endpoint = %d, want 10", p))
	}
	if p := u.Server["video"].PeakInFlight; p != 10 {
		bad = append(bad, fmt.Sprintf("unlimited peak_in_flight on the video endpoint = %d, want the server's capacity 10", p))
	}
	return bad
}

// clip shortens s to at most n bytes for messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
