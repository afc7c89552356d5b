package cellimports

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
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
			nb := `{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": "import \"os\""}, {"cell_type": "code", "source": ` +
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
// at path.
func notebookImports(path string) ([]string, error) {
	nb, err := ipynb.Read(path)
	if err != nil {
		return nil, err
	}
	var imports []string
	for _, c := range nb.Cells {
		imps, err := c.Imports()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", nb.Where(c), err)
		}
		imports = append(imports, imps...)
	}
	return imports, nil
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
