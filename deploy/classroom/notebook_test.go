package classroom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
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
// API JupyterLab uses to open it).
func (a *attendee) fetchNotebook(ctx context.Context, path string) ([]cell, error) {
	var doc struct {
		Content struct {
			Cells []struct {
				CellType string          `json:"cell_type"`
				Source   json.RawMessage `json:"source"`
			} `json:"cells"`
		} `json:"content"`
	}
	if err := a.api(ctx, http.MethodGet, "api/contents/"+path+"?type=notebook&content=1", nil, &doc); err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	var cells []cell
	for _, c := range doc.Content.Cells {
		src, err := multiline(c.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		cells = append(cells, cell{c.CellType, src})
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("%s has no cells", path)
	}
	return cells, nil
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
		r.Index, r.FirstLine = i, c.firstLine()
		if err != nil {
			return runs, fmt.Errorf("cell %d (%q): %w", i, r.FirstLine, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// problemLine matches printed text that shows a cell went wrong although the
// kernel reported no error: a panic, a crash, a failed build or test. It is
// the rule of the notebook harness (notebooks/harness_test.go): lessons that
// show such text indent or quote it.
var problemLine = regexp.MustCompile(`(?m)^(panic: |fatal error: |--- FAIL|FAIL\s|# command-line-arguments)|failed to run`)

// problems lists every cell that did not succeed: a status other than ok,
// an error output, or printed text showing a failure.
func problems(runs []cellRun) []string {
	var all []string
	for _, r := range runs {
		where := fmt.Sprintf("cell %d (%q)", r.Index, r.FirstLine)
		if r.Status != "ok" {
			all = append(all, fmt.Sprintf("%s: status %q", where, r.Status))
		}
		for _, o := range r.Outputs {
			if o.Type == "error" {
				all = append(all, fmt.Sprintf("%s: error %s: %s\n%s", where, o.EName, o.EValue, strings.Join(o.Traceback, "\n")))
				continue
			}
			text := o.Text + textPlain(o)
			if m := problemLine.FindString(text); m != "" {
				all = append(all, fmt.Sprintf("%s: output shows %q:\n%s", where, strings.TrimSpace(m), clip(text, 1500)))
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
	fromText    bool                 // read from a printed line (see textResults)
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
			var res runResult
			if err := json.Unmarshal(raw, &res); err != nil || res.Name == "" {
				return nil, fmt.Errorf("cell %d (%q): %s output is not a run (%v): %s", r.Index, r.FirstLine, RunMIME, err, clip(string(raw), 300))
			}
			all[res.Name] = res
		}
	}
	return all, nil
}

// TEMPORARY, until notebook 01 publishes RunMIME results: today's notebook 01
// prints `result: unlimited100 wall=10.91s peak_in_flight=10 ...` and
// `result: limited10 ...` lines, which textResults reads as the runs
// "unlimited" and "limited". Remove it (and its use in lessonRuns) once 01
// publishes its runs.
var textRunNames = map[string]string{"unlimited100": "unlimited", "limited10": "limited"}

// textResults reads the printed `result:` lines of the runs in textRunNames.
func textResults(runs []cellRun) map[string]runResult {
	line := regexp.MustCompile(`(?m)^result: (\S+) (.*)$`)
	all := map[string]runResult{}
	for _, r := range runs {
		for _, o := range r.Outputs {
			for _, m := range line.FindAllStringSubmatch(strings.ReplaceAll(o.Text, "\r", "\n"), -1) {
				name, ok := textRunNames[m[1]]
				if !ok {
					continue
				}
				res := runResult{Name: name, Server: map[string]gateStats{}, fromText: true}
				var video gateStats
				for _, f := range strings.Fields(m[2]) {
					k, v, _ := strings.Cut(f, "=")
					switch k {
					case "wall":
						res.WallSeconds, _ = strconv.ParseFloat(strings.TrimSuffix(v, "s"), 64)
					case "peak_in_flight":
						video.PeakInFlight, _ = strconv.Atoi(v)
					case "peak_waiting":
						video.PeakWaiting, _ = strconv.Atoi(v)
					case "degraded":
						video.Degraded, _ = strconv.Atoi(v)
					}
				}
				res.Server["video"] = video
				all[name] = res
			}
		}
	}
	return all
}

// lessonRuns returns the runs "unlimited" and "limited" of notebook 01:
// from its RunMIME results, or (temporarily, see textRunNames) from its
// printed lines while it publishes none.
func lessonRuns(runs []cellRun) (map[string]runResult, error) {
	res, err := results(runs)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		res = textResults(runs)
	}
	return res, nil
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
	if !(l.WallSeconds > 0 && l.WallSeconds < u.WallSeconds/2) {
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
