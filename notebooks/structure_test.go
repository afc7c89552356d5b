package notebooks

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// linkCell is what the first code cell of every notebook must run: it points
// the kernel's module at this repository without `go mod tidy`.
const linkCell = "!*go mod edit -replace github.com/go-async-workshop/workshop=${GONB_DIR}/.. -require github.com/go-async-workshop/workshop@v0.0.0"

// TestNotebookStructure checks the committed notebooks without running them
// (part of the fast layer): GoNB kernel, the module link as first code cell,
// an exercise with a collapsed solution and a %test cell, and committed
// outputs free of errors.
func TestNotebookStructure(t *testing.T) {
	for _, name := range notebookNames(t) {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(name + ".ipynb")
			if err != nil {
				t.Fatal(err)
			}
			var meta struct {
				NBFormat int `json:"nbformat"`
				Metadata struct {
					Kernelspec struct {
						Name     string `json:"name"`
						Language string `json:"language"`
					} `json:"kernelspec"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(raw, &meta); err != nil {
				t.Fatalf("%s.ipynb is not JSON: %v", name, err)
			}
			if meta.NBFormat != 4 {
				t.Errorf("nbformat = %d, want 4", meta.NBFormat)
			}
			if k := meta.Metadata.Kernelspec; k.Name != "gonb" || k.Language != "go" {
				t.Errorf("kernelspec = %+v, want name gonb, language go", k)
			}
			nb, err := parseNotebook(name, raw)
			if err != nil {
				t.Fatal(err)
			}
			var code []Cell
			for _, c := range nb.Cells {
				if c.Type == "code" {
					code = append(code, c)
				}
			}
			if len(code) == 0 {
				t.Fatal("no code cells")
			}
			if got := strings.TrimSpace(code[0].Source); !strings.HasPrefix(got, linkCell) {
				t.Errorf("first code cell is %q, want it to start with %q", code[0].FirstLine(), linkCell)
			}
			solution, test := -1, -1
			for _, c := range code {
				if c.Hidden && solution < 0 {
					solution = c.Index
				}
				if strings.HasPrefix(strings.TrimSpace(c.Source), "%test") || strings.Contains(c.Source, "\n%test") {
					test = c.Index
				}
			}
			if solution < 0 {
				t.Error("no collapsed solution cell (code cell with metadata jupyter.source_hidden=true)")
			}
			if test < 0 || test < solution {
				t.Errorf("no %%test cell after the solution (solution cell %d, last %%test cell %d)", solution, test)
			}
			if probs := nb.problems(); len(probs) > 0 {
				for _, p := range probs {
					t.Error(p)
				}
				t.Log("committed notebooks carry the outputs of a clean run: regenerate them with `make notebooks`")
			}
		})
	}
}
