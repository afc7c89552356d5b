package notebooks

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
	"github.com/go-async-workshop/workshop/snippets/instrument/sweep"
)

// linkCell is what the first code cell of every notebook must run: it turns
// GoNB's `go get` before every cell off (the kernel's build fetches a new
// module itself: -mod=mod, scripts/gonb_kernel.py) and points the kernel's
// module at this repository without `go mod tidy`.
const linkCell = "%noautoget\n!*go mod edit -replace github.com/go-async-workshop/workshop=${GONB_DIR}/.. -require github.com/go-async-workshop/workshop@v0.0.0"

// funcDecl matches a top-level function declaration's name.
var funcDecl = regexp.MustCompile(`(?m)^func (?:\([^)]*\) )?(\w+)`)

// TestNotebookStructure checks the committed notebooks without running them
// (part of the fast layer): GoNB kernel, the module link as first code cell,
// an exercise whose solution is one click away and never runs with Run All,
// and committed outputs as a learner's Run All shows them: nothing failed
// but the exercise's test, which is red, and nothing leaked.
func TestNotebookStructure(t *testing.T) {
	for _, name := range notebookNames(t) {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(name + ".ipynb")
			if err != nil {
				t.Fatal(err)
			}
			var meta struct {
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
			if k := meta.Metadata.Kernelspec; k.Name != "gonb" || k.Language != "go" {
				t.Errorf("kernelspec = %+v, want name gonb, language go", k)
			}
			nb, err := ipynb.Parse(name, raw)
			if err != nil {
				t.Fatal(err)
			}
			var code []ipynb.Cell
			withOutputs := 0
			for _, c := range nb.Cells {
				if c.Type == "code" {
					code = append(code, c)
					if len(c.Outputs) > 0 {
						withOutputs++
					}
				}
			}
			if len(code) == 0 {
				t.Fatal("no code cells")
			}
			if got := strings.TrimSpace(code[0].Source); !strings.HasPrefix(got, linkCell) {
				t.Errorf("first code cell is %q, want it to start with %q", code[0].FirstLine(), linkCell)
			}
			if withOutputs == 0 {
				t.Error("committed without outputs: readers on the web would see nothing (run `make notebooks`)")
			}
			ex, err := nb.Exercise()
			if err != nil {
				t.Fatal(err)
			}
			if stub, sol := declared(ex.Stub.Source), declared(ex.SolutionCode); !slices.Equal(stub, sol) {
				t.Errorf("the stub declares %v but the solution %v: they must declare the same functions", stub, sol)
			}
			if ex.Solution.Index < ex.Stub.Index {
				t.Error("the solution comes before the stub: the learner should meet the task and the hints first")
			}
			for _, p := range nb.RunAllProblems(ex.Test.Index) {
				t.Error(p)
			}
			if passed, _ := ex.Test.TestOutcome(); len(passed) > 0 {
				t.Errorf("the committed exercise test shows %v passing on the stub: a learner must see all of it red until they do the work", passed)
			}
			for _, l := range nb.Leaks() {
				t.Error(l)
			}
			if t.Failed() {
				t.Log("committed notebooks carry the outputs of a clean run: regenerate them with `make notebooks`")
			}
		})
	}
}

// declared returns the names of the functions declared in src, sorted.
func declared(src string) []string {
	var names []string
	for _, m := range funcDecl.FindAllStringSubmatch(src, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return names
}

// mustRun returns the run called name that the notebook reported, or stops
// the check.
func mustRun(t *testing.T, nb *ipynb.Notebook, name string) measure.Result {
	t.Helper()
	r, ok := nb.Run(name)
	if !ok {
		runs, _ := nb.Runs()
		var names []string
		for _, r := range runs {
			names = append(names, r.Name)
		}
		t.Fatalf("%s: no run called %q was reported (runs: %q)", nb.Name, name, names)
	}
	return r
}

// requireText fails unless the notebook's text outputs contain s.
func requireText(t *testing.T, nb *ipynb.Notebook, s string) {
	t.Helper()
	if !strings.Contains(nb.Text(), s) {
		t.Errorf("%s: the outputs do not contain %q", nb.Name, s)
	}
}

// limitsOf returns the sweep over concurrency limits the notebook showed,
// or stops the check.
func limitsOf(t *testing.T, nb *ipynb.Notebook) sweep.Chart {
	t.Helper()
	l, ok := nb.Limits()
	if !ok || len(l.Points) == 0 {
		t.Fatalf("%s: no sweep over concurrency limits was shown", nb.Name)
	}
	return l
}

// comparisonOf returns the comparison of runs the notebook showed, or stops
// the check.
func comparisonOf(t *testing.T, nb *ipynb.Notebook) measure.Comparison {
	t.Helper()
	c, ok := nb.Comparison()
	if !ok {
		t.Fatalf("%s: no comparison of runs was shown", nb.Name)
	}
	return c
}
