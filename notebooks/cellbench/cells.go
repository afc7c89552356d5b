package main

import (
	"errors"
	"strings"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

// cell is a code cell the benchmark runs.
type cell struct {
	Index     int // among the notebook's cells
	FirstLine string
	Source    string
	// ExerciseTest: the exercise's %test cell, red on the untouched stub.
	ExerciseTest bool
}

// codeCells returns the notebook's non-empty code cells, without the ones
// that wait for a person (notebook 01's slider).
func codeCells(nb *ipynb.Notebook) ([]cell, error) {
	ex, err := nb.Exercise()
	if err != nil {
		return nil, err
	}
	var cells []cell
	for _, c := range nb.Cells {
		if c.Type != "code" || strings.TrimSpace(c.Source) == "" || interactive(c.Source) {
			continue
		}
		cells = append(cells, cell{Index: c.Index, FirstLine: c.FirstLine(), Source: c.Source, ExerciseTest: c.Index == ex.Test.Index})
	}
	if len(cells) == 0 {
		return nil, errors.New("no code cells")
	}
	return cells, nil
}

// interactive reports whether a cell waits for a person: a slider
// (snippets/slider) stays live until it is moved or a pause passes.
func interactive(source string) bool { return strings.Contains(source, "slider.Run(") }
