package classroom

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/internal/lessons"
	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
)

// RunMIME is the MIME type under which notebooks publish the figures of
// their measured runs (package measure's results) as display_data.
const RunMIME = display.FiguresMIME

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

// notebookOf writes the cells an attendee ran as the notebook a browser
// would show (consecutive stream outputs of a cell merged, a cell the kernel
// aborted left unexecuted), so that package ipynb, which reads every
// executed notebook of the workshop's checks, reads it too. Cells keep
// their positions; the cells not run (markdown, empty code) are left empty.
func notebookOf(name string, runs []cellRun) (*ipynb.Notebook, error) {
	type jsonOutput struct {
		OutputType string                     `json:"output_type"`
		Name       string                     `json:"name,omitempty"`
		Text       string                     `json:"text,omitempty"`
		Data       map[string]json.RawMessage `json:"data,omitempty"`
		EName      string                     `json:"ename,omitempty"`
		EValue     string                     `json:"evalue,omitempty"`
		Traceback  []string                   `json:"traceback,omitempty"`
	}
	type jsonCell struct {
		CellType       string         `json:"cell_type"`
		Source         string         `json:"source"`
		Metadata       map[string]any `json:"metadata"`
		ExecutionCount *int           `json:"execution_count,omitempty"`
		Outputs        []jsonOutput   `json:"outputs,omitempty"`
	}
	var cells []jsonCell
	for i, r := range runs {
		for len(cells) < r.Index {
			cells = append(cells, jsonCell{CellType: "markdown", Metadata: map[string]any{}})
		}
		c := jsonCell{CellType: "code", Source: r.FirstLine, Metadata: map[string]any{}, Outputs: []jsonOutput{}}
		if r.Status != "aborted" {
			c.ExecutionCount = new(i + 1)
		}
		errorShown := false
		for _, o := range r.Outputs {
			last := len(c.Outputs) - 1
			if o.Type == "stream" && last >= 0 && c.Outputs[last].OutputType == "stream" && c.Outputs[last].Name == o.Name {
				c.Outputs[last].Text += o.Text
				continue
			}
			errorShown = errorShown || o.Type == "error"
			c.Outputs = append(c.Outputs, jsonOutput{OutputType: o.Type, Name: o.Name, Text: o.Text, Data: o.Data,
				EName: o.EName, EValue: o.EValue, Traceback: o.Traceback})
		}
		if r.Status == "error" && !errorShown {
			c.Outputs = append(c.Outputs, jsonOutput{OutputType: "error", EName: "error", EValue: "the kernel answered the cell with status error"})
		}
		cells = append(cells, c)
	}
	raw, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": cells})
	if err != nil {
		return nil, err
	}
	return ipynb.Parse(name, raw)
}

// problems says what is wrong with an attendee's Run All of the untouched
// notebook, by the same rules as the notebook checks' (ipynb's
// RunAllProblems): nothing fails but the exercise's test, which is red.
func problems(runs []cellRun, exerciseTest int) []string {
	nb, err := notebookOf("attendee", runs)
	if err != nil {
		return []string{err.Error()}
	}
	return nb.RunAllProblems(exerciseTest)
}

// lessonRuns returns the measured runs the attendee's notebook reported
// (the figures package measure attaches to its outputs), by name; a later
// run of a name replaces an earlier one.
func lessonRuns(runs []cellRun) (map[string]measure.Result, error) {
	nb, err := notebookOf("attendee", runs)
	if err != nil {
		return nil, err
	}
	all, err := nb.Runs()
	if err != nil {
		return nil, err
	}
	byName := map[string]measure.Result{}
	for _, r := range all {
		byName[r.Name] = r
	}
	return byName, nil
}

// checkLesson says what is wrong with the lesson of notebook 01 in the given
// runs, by the rule the notebook checks apply to it (lessons.Limiting): 100
// requests at once queue on the server and take clearly longer than 100
// requests 10 at a time, which fill, and never exceed, the server's 10 slots.
func checkLesson(res map[string]measure.Result) []string {
	u, okU := res["unlimited"]
	l, okL := res["limited"]
	if !okU || !okL {
		return []string{fmt.Sprintf("the runs \"unlimited\" and \"limited\" were not both published (found %v)", slices.Sorted(maps.Keys(res)))}
	}
	return lessons.Limiting(u, l)
}

// clip shortens s to at most n bytes for messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
