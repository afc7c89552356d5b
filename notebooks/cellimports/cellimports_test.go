package cellimports

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestListMatchesTheCells checks that this package imports exactly the
// packages outside the standard library that the notebooks' cells import.
func TestListMatchesTheCells(t *testing.T) {
	paths, err := filepath.Glob("../*.ipynb")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no notebooks found next to this package (%v)", err)
	}
	used := map[string][]string{} // import path -> notebooks importing it
	for _, path := range paths {
		imports, err := notebookImports(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range imports {
			used[imp] = append(used[imp], filepath.Base(path))
		}
	}
	listed, err := fileImports("cellimports.go")
	if err != nil {
		t.Fatal(err)
	}

	for imp, notebooks := range used {
		if !isStd(imp) && !slices.Contains(listed, imp) {
			t.Errorf("cells of %s import %q: add it to cellimports.go, then run `go mod tidy`", strings.Join(slices.Compact(notebooks), ", "), imp)
		}
	}
	for _, imp := range listed {
		if _, ok := used[imp]; !ok && !isStd(imp) {
			t.Errorf("cellimports.go imports %q, which no notebook cell imports: remove it, then run `go mod tidy`", imp)
		}
	}
}

// TestNotebookImports checks the cell parser on the shapes GoNB cells take.
func TestNotebookImports(t *testing.T) {
	tests := []struct {
		name   string
		source string
		want   []string
	}{
		{"grouped", "import (\n\t\"fmt\"\n\n\t\"golang.org/x/sync/errgroup\"\n)\n\n%%\nfmt.Println(1)", []string{"fmt", "golang.org/x/sync/errgroup"}},
		{"single", "import \"time\"\n\nvar d = time.Second", []string{"time"}},
		{"named", "import g \"github.com/janpfeifer/gonb/gonbui\"", []string{"github.com/janpfeifer/gonb/gonbui"}},
		{"after magics", "%goflags -race\n!*echo hi\nimport \"sync\"\n%%\nvar mu sync.Mutex", []string{"sync"}},
		{"no imports", "%%\nfmt.Println(\"hello\")", nil},
		{"shell only", "!*go mod edit -replace a=b", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := `{"cells": [{"cell_type": "markdown", "source": "import \"os\""}, {"cell_type": "code", "source": ` +
				strconv.Quote(tt.source) + `}]}`
			path := filepath.Join(t.TempDir(), "n.ipynb")
			if err := os.WriteFile(path, []byte(nb), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := notebookImports(path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("imports = %q, want %q", got, tt.want)
			}
		})
	}
}

// notebookImports returns the import paths of the code cells of the notebook
// at path. GoNB's special lines (%... and !...) are left out before parsing.
func notebookImports(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb struct {
		Cells []struct {
			CellType string          `json:"cell_type"`
			Source   json.RawMessage `json:"source"` // a string or a list of lines
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, &os.PathError{Op: "parse notebook", Path: path, Err: err}
	}
	var imports []string
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		src, err := cellSource(c.Source)
		if err != nil {
			return nil, &os.PathError{Op: "read cell " + strconv.Itoa(i), Path: path, Err: err}
		}
		var lines []string
		for line := range strings.Lines(src) {
			if strings.HasPrefix(line, "%") || strings.HasPrefix(line, "!") {
				line = "\n" // keeps the line numbers of errors
			}
			lines = append(lines, line)
		}
		f, err := parser.ParseFile(token.NewFileSet(), "cell.go", "package cell\n"+strings.Join(lines, ""), parser.ImportsOnly)
		if err != nil {
			return nil, &os.PathError{Op: "parse the imports of cell " + strconv.Itoa(i), Path: path, Err: err}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			imports = append(imports, p)
		}
	}
	return imports, nil
}

// cellSource joins a cell's source, which nbformat stores as a string or as
// a list of lines.
func cellSource(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return "", err
	}
	return strings.Join(lines, ""), nil
}

// fileImports returns the import paths of a Go file.
func fileImports(path string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var imports []string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		imports = append(imports, p)
	}
	return imports, nil
}

// isStd reports whether path is a standard library package: its first
// element has no dot, as in "net/http" (module paths start with a domain).
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
