package ipynb

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Tags that mark a notebook's exercise (cell metadata "tags").
const (
	// TagExercise marks the code cell holding the stub the learner completes.
	TagExercise = "exercise"
	// TagSolution marks the markdown cell holding the solution, as a ```go
	// block inside a collapsed <details> element: one click away, never run
	// by Run All.
	TagSolution = "solution"
)

// Exercise is a notebook's exercise: the stub, the %test cell that checks
// it (the first after the stub) and the solution's code.
type Exercise struct {
	Stub, Test, Solution Cell
	SolutionCode         string
}

// goBlock matches a fenced Go code block.
var goBlock = regexp.MustCompile("(?s)```go\\s*\\n(.*?)\\n```")

// Exercise finds the notebook's exercise, or says what is missing.
func (nb *Notebook) Exercise() (Exercise, error) {
	var ex Exercise
	stub, test, sol := -1, -1, -1
	for i, c := range nb.Cells {
		switch {
		case c.HasTag(TagExercise):
			if stub >= 0 {
				return ex, fmt.Errorf("%s.ipynb: more than one cell tagged %q", nb.Name, TagExercise)
			}
			stub = i
		case c.HasTag(TagSolution):
			if sol >= 0 {
				return ex, fmt.Errorf("%s.ipynb: more than one cell tagged %q", nb.Name, TagSolution)
			}
			sol = i
		case c.Type == "code" && c.IsTest() && stub >= 0 && test < 0:
			test = i
		}
	}
	switch {
	case stub < 0:
		return ex, fmt.Errorf("%s.ipynb: no code cell tagged %q (the exercise's stub)", nb.Name, TagExercise)
	case nb.Cells[stub].Type != "code":
		return ex, fmt.Errorf("%s.ipynb: the cell tagged %q is not a code cell", nb.Name, TagExercise)
	case test < 0:
		return ex, fmt.Errorf("%s.ipynb: no %%test cell after the exercise's stub", nb.Name)
	case sol < 0:
		return ex, fmt.Errorf("%s.ipynb: no markdown cell tagged %q (the solution)", nb.Name, TagSolution)
	case nb.Cells[sol].Type != "markdown":
		return ex, fmt.Errorf("%s.ipynb: the cell tagged %q is not markdown: a solution in a code cell would run with Run All", nb.Name, TagSolution)
	}
	m := goBlock.FindStringSubmatch(nb.Cells[sol].Source)
	if m == nil {
		return ex, fmt.Errorf("%s.ipynb: the solution cell has no ```go block", nb.Name)
	}
	if !strings.Contains(nb.Cells[sol].Source, "<details") {
		return ex, fmt.Errorf("%s.ipynb: the solution is not inside a collapsed <details> element", nb.Name)
	}
	ex.Stub, ex.Test, ex.Solution, ex.SolutionCode = nb.Cells[stub], nb.Cells[test], nb.Cells[sol], m[1]
	return ex, nil
}

// declarations returns the part of a GoNB cell that declares things: the
// lines before the "%%" line that starts the body of main (the whole cell
// when there is none).
func declarations(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "%%" {
			return strings.Join(lines[:i], "\n")
		}
	}
	return src
}

// WithSolution returns a notebook that proves the exercise's solution: the
// declarations of every code cell before the stub (GoNB cells share
// declarations, never values, so the bodies of main are left out), the
// solution in place of the stub, and the %test cell. "${GONB_DIR}/.." in the
// module link is replaced by repoRoot, so the notebook runs from any folder.
// Outputs are cleared.
func (nb *Notebook) WithSolution(repoRoot string) (*Notebook, error) {
	ex, err := nb.Exercise()
	if err != nil {
		return nil, err
	}
	rawCells, ok := nb.doc["cells"].([]any)
	if !ok || len(rawCells) != len(nb.Cells) {
		return nil, errors.New("ipynb: the document's cells are not a list")
	}
	var cells []any
	add := func(i int, src string) {
		c := copyCell(rawCells[i])
		c["source"] = src
		c["outputs"] = []any{}
		c["execution_count"] = nil
		cells = append(cells, c)
	}
	for i, c := range nb.Cells[:ex.Stub.Index] {
		if c.Type != "code" {
			continue
		}
		src := strings.ReplaceAll(declarations(c.Source), "${GONB_DIR}/..", repoRoot)
		if strings.TrimSpace(src) != "" {
			add(i, src)
		}
	}
	add(ex.Stub.Index, ex.SolutionCode)
	add(ex.Test.Index, ex.Test.Source)

	doc := make(map[string]any, len(nb.doc))
	for k, v := range nb.doc {
		doc[k] = v
	}
	doc["cells"] = cells
	out := &Notebook{Name: nb.Name + "_solution", doc: doc}
	raw, err := out.Marshal()
	if err != nil {
		return nil, err
	}
	return Parse(out.Name, raw)
}

// copyCell copies a raw cell's top-level fields.
func copyCell(c any) map[string]any {
	m, _ := c.(map[string]any)
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
