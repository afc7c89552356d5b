package ipynb

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
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

// WithSolution returns a notebook that proves the exercise's solution in
// two cells: the declarations of every code cell before the stub (GoNB cells
// share declarations, never values, so the bodies of main are left out)
// followed by the solution in place of the stub, joined into one cell as
// GoNB joins them into one program (see joinDeclarations), and the %test
// cell. One cell instead of one per notebook cell spares a build of the
// program for each. "${GONB_DIR}/.." in the module link is replaced by
// repoRoot, so the notebook runs from any folder. Outputs are cleared.
func (nb *Notebook) WithSolution(repoRoot string) (*Notebook, error) {
	ex, err := nb.Exercise()
	if err != nil {
		return nil, err
	}
	return nb.WithAnswers(repoRoot, "_solution", ex.SolutionCode)
}

// WithAnswers returns a notebook that puts each of answers in turn in place
// of the exercise's stub and runs the %test cell after it: the first answer
// joined to the notebook's declarations as WithSolution does, each later one
// in a cell of its own that replaces the earlier answer's declarations, as a
// learner's edited cell replaces them. Cells 2k and 2k+1 are answer k and its
// test. The notebook's name gets suffix.
func (nb *Notebook) WithAnswers(repoRoot, suffix string, answers ...string) (*Notebook, error) {
	ex, err := nb.Exercise()
	if err != nil {
		return nil, err
	}
	if len(answers) == 0 {
		return nil, errors.New("ipynb: no answer to try")
	}
	rawCells, ok := nb.doc["cells"].([]any)
	if !ok || len(rawCells) != len(nb.Cells) {
		return nil, errors.New("ipynb: the document's cells are not a list")
	}
	var sources []string
	for _, c := range nb.Cells[:ex.Stub.Index] {
		if c.Type == "code" {
			sources = append(sources, strings.ReplaceAll(declarations(c.Source), "${GONB_DIR}/..", repoRoot))
		}
	}
	joined, err := joinDeclarations(append(sources, answers[0]))
	if err != nil {
		return nil, fmt.Errorf("%s.ipynb: %w", nb.Name, err)
	}
	var cells []any
	add := func(i int, src string) {
		c := copyCell(rawCells[i])
		c["source"] = src
		c["outputs"] = []any{}
		c["execution_count"] = nil
		if len(cells) > 1 {
			c["id"] = fmt.Sprintf("answer-%d", len(cells))
		}
		cells = append(cells, c)
	}
	for k, answer := range answers {
		if k == 0 {
			add(ex.Stub.Index, joined)
		} else {
			add(ex.Stub.Index, answer)
		}
		add(ex.Test.Index, ex.Test.Source)
	}

	doc := make(map[string]any, len(nb.doc))
	for k, v := range nb.doc {
		doc[k] = v
	}
	doc["cells"] = cells
	out := &Notebook{Name: nb.Name + suffix, doc: doc}
	raw, err := out.Marshal()
	if err != nil {
		return nil, err
	}
	return Parse(out.Name, raw)
}

// joinDeclarations joins the declaring parts of GoNB cells into the source
// of one cell that declares the same: GoNB's special lines (starting with %
// or !) first, in their order, then every import, then the other
// declarations in their order. A later declaration of a name replaces an
// earlier one in one cell as across cells, since GoNB keeps one declaration
// per name.
func joinDeclarations(sources []string) (string, error) {
	var special, imports, rest []string
	for i, src := range sources {
		var code []string
		for line := range strings.Lines(src) {
			if strings.HasPrefix(line, "%") || strings.HasPrefix(line, "!") {
				special = append(special, strings.TrimRight(line, "\n"))
				line = "\n" // keeps the positions of the Go code
			}
			code = append(code, line)
		}
		const header = "package main\n"
		goSrc := header + strings.Join(code, "")
		f, err := parser.ParseFile(token.NewFileSet(), "cell.go", goSrc, parser.ParseComments)
		if err != nil {
			return "", fmt.Errorf("code cell %d of the solution's notebook: %w", i, err)
		}
		cut := len(header) // the source after the last import
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
				imports = append(imports, goSrc[g.Pos()-1:g.End()-1])
				cut = int(g.End()) - 1
			}
		}
		if body := strings.TrimSpace(goSrc[cut:]); body != "" {
			rest = append(rest, body)
		}
	}
	var parts []string
	for _, group := range [][]string{special, imports, rest} {
		if len(group) > 0 {
			parts = append(parts, strings.Join(group, "\n"))
		}
	}
	return strings.Join(parts, "\n\n"), nil
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
