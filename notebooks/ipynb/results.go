package ipynb

import (
	"encoding/json"
	"fmt"

	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
	"github.com/go-async-workshop/workshop/snippets/instrument/sweep"
)

// Runs returns the results of every measured run the notebook reported
// (package measure attaches them to its outputs under display.FiguresMIME),
// in notebook order. Comparisons are left out.
func (nb *Notebook) Runs() ([]measure.Result, error) {
	var runs []measure.Result
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			data, ok := o.Data[display.FiguresMIME]
			if !ok {
				continue
			}
			var probe map[string]json.RawMessage
			if err := json.Unmarshal([]byte(data), &probe); err != nil {
				return nil, fmt.Errorf("%s: %s output is not JSON: %w", nb.Where(c), display.FiguresMIME, err)
			}
			if _, isComparison := probe["runs"]; isComparison {
				continue
			}
			if _, isSweep := probe["limits"]; isSweep {
				continue
			}
			var r measure.Result
			if err := json.Unmarshal([]byte(data), &r); err != nil {
				return nil, fmt.Errorf("%s: %s output is not a run: %w", nb.Where(c), display.FiguresMIME, err)
			}
			runs = append(runs, r)
		}
	}
	return runs, nil
}

// Run returns the last reported run called name, and whether there is one.
func (nb *Notebook) Run(name string) (measure.Result, bool) {
	runs, err := nb.Runs()
	if err != nil {
		return measure.Result{}, false
	}
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Name == name {
			return runs[i], true
		}
	}
	return measure.Result{}, false
}

// Limits returns the last sweep over concurrency limits the notebook showed
// (sweep.Show), and whether there is one.
func (nb *Notebook) Limits() (sweep.Chart, bool) {
	var last sweep.Chart
	found := false
	for _, data := range nb.DisplayData(display.FiguresMIME) {
		var sweep struct {
			Limits *sweep.Chart `json:"limits"`
		}
		if json.Unmarshal([]byte(data), &sweep) == nil && sweep.Limits != nil {
			last, found = *sweep.Limits, true
		}
	}
	return last, found
}

// Comparison returns the last comparison of runs the notebook showed
// (measure.Compare), and whether there is one.
func (nb *Notebook) Comparison() (measure.Comparison, bool) {
	var last measure.Comparison
	found := false
	for _, data := range nb.DisplayData(display.FiguresMIME) {
		var probe map[string]json.RawMessage
		if json.Unmarshal([]byte(data), &probe) != nil {
			continue
		}
		if _, ok := probe["runs"]; !ok {
			continue
		}
		var c measure.Comparison
		if json.Unmarshal([]byte(data), &c) == nil {
			last, found = c, true
		}
	}
	return last, found
}
