// Package notebooks holds the workshop's GoNB notebooks and the checks that
// run every one of them as a learner would, in a real Jupyter with the GoNB
// kernel, against the real mock server.
//
// For each notebook the full layer:
//
//  1. runs it top to bottom as it is (Run All on an untouched notebook): no
//     cell may fail except the exercise's %test cell, which must fail on the
//     stub, as a learner who has not done the exercise yet must see it;
//
//  2. checks that no output leaks a machine's paths, terminal colour codes
//     or words about how the workshop is tested;
//
//  3. runs the notebook's registered lesson check on the figures it reported
//     (ratios and facts, never absolute times);
//
//  4. proves the exercise's solution: the notebook's declarations, the
//     solution from its collapsed markdown cell in place of the stub, and the
//     %test cell, in a fresh kernel: the test must pass.
//
//     go test ./notebooks -run TestNotebooks -v              # every notebook (needs make setup)
//     go test ./notebooks -run 'TestNotebooks/01' -v         # one notebook
//     go test ./notebooks -run TestNotebooks -args -quick    # learner's quick mode, timed
//     go test ./notebooks -run TestNotebooks -args -update   # full latency; write the outputs back
package notebooks

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/notebooks/nbrun"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
	"github.com/go-async-workshop/workshop/snippets/instrument/runstore"
)

var (
	flagUpdate = flag.Bool("update", false, "run with the workshop's settings (full latency) and write each executed notebook back into notebooks/ if it passed")
	flagQuick  = flag.Bool("quick", false, "run with the learner's quick mode (full latency, 20 videos) and report each notebook's time")
	flagKeep   = flag.String("keep", "", "copy every executed notebook into this folder; failed runs are always kept under ../artifacts/notebooks")
)

// checks maps a notebook's base name to the assertions run on what it
// reported. Every notebook in this folder must have one.
var checks = map[string]func(t *testing.T, nb *ipynb.Notebook){}

// register adds a notebook's check, refusing duplicates.
func register(name string, check func(t *testing.T, nb *ipynb.Notebook)) {
	if _, dup := checks[name]; dup {
		panic("notebooks: check registered twice for " + name)
	}
	checks[name] = check
}

// settings returns the settings of this run, from the flags.
func settings() nbrun.Settings {
	switch {
	case *flagUpdate:
		return nbrun.Workshop
	case *flagQuick:
		return nbrun.Quick
	}
	return nbrun.Check
}

// notebookNames lists the notebooks in this folder, sorted, without ".ipynb".
func notebookNames(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(p, ".ipynb"))
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("no notebooks found in notebooks/")
	}
	return names
}

// TestEveryNotebookHasACheck makes sure a new notebook cannot slip in
// unchecked, and that no check points at a notebook that is gone.
func TestEveryNotebookHasACheck(t *testing.T) {
	names := notebookNames(t)
	for _, n := range names {
		if checks[n] == nil {
			t.Errorf("notebook %s.ipynb has no registered check: add register(%q, ...) in an init function of a notebooks/*_test.go file", n, n)
		}
	}
	for n := range checks {
		if !slices.Contains(names, n) {
			t.Errorf("a check is registered for %s but notebooks/%s.ipynb does not exist", n, n)
		}
	}
}

// TestNotebooks runs every notebook as a learner's Run All would, checks its
// outputs and its lesson, and proves its exercise both ways.
func TestNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("running notebooks needs Jupyter and the GoNB kernel; skipped in -short (the fast layer)")
	}
	s := settings()
	tools, err := nbrun.FindTools("..")
	if err != nil {
		t.Fatal(err)
	}
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = s.LatencyScale
	// The outputs an -update run commits show the server's address, so it
	// serves where a learner's does; other runs take any free port.
	addr := "127.0.0.1:0"
	if *flagUpdate {
		addr = mockserver.DefaultAddr
		if ln, err := net.Listen("tcp", addr); err != nil {
			t.Fatalf("-update serves the mock server on %s so that the committed outputs show the workshop's address, but it is taken (%v): stop the server there (make lab, make server) and run again", addr, err)
		} else {
			ln.Close()
		}
	}
	srv := servertest.StartAt(t, cfg, addr)
	t.Logf("server %s latency-scale=%g videos=%d model-work=%g", srv.URL, s.LatencyScale, s.Videos, s.ModelWork)
	// Runs kept for comparisons stay inside this test, so that a notebook
	// compares with runs of this same test (notebook 04 with 02 and 03).
	env := append(s.Env(srv.URL), runstore.EnvDir+"="+t.TempDir())

	var times []string
	for _, name := range notebookNames(t) {
		t.Run(name, func(t *testing.T) {
			check := checks[name]
			if check == nil {
				t.Fatalf("notebook %s.ipynb has no registered check (see TestEveryNotebookHasACheck)", name)
			}
			start := time.Now()
			nb := execute(t, tools, name+".ipynb", env, s)
			took := time.Since(start)
			failed := func() bool {
				if t.Failed() {
					keep(t, nb, filepath.Join("..", "artifacts", "notebooks"))
				}
				return t.Failed()
			}
			ex := checkRunAll(t, nb)
			for _, l := range nb.Leaks() {
				t.Error(l)
			}
			if failed() {
				return
			}
			check(t, nb)
			if failed() {
				return
			}
			solStart := time.Now()
			proveSolution(t, tools, nb, ex, env, s)
			times = append(times, fmt.Sprintf("%s %.0fs (solution %.0fs)", name, took.Seconds(), time.Since(solStart).Seconds()))
			t.Logf("%s: Run All took %.1fs, the solution's proof %.1fs", name, took.Seconds(), time.Since(solStart).Seconds())
			if failed() {
				return
			}
			if *flagKeep != "" {
				keep(t, nb, *flagKeep)
			}
			if *flagUpdate {
				raw, err := nb.Marshal()
				if err == nil {
					err = os.WriteFile(name+".ipynb", raw, 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("updated %s.ipynb with the outputs of this run", name)
			}
		})
	}
	t.Logf("notebook times: %s", strings.Join(times, ", "))
}

// execute runs one notebook with the tools and fails the test if it could
// not run at all.
func execute(t *testing.T, tools nbrun.Tools, path string, env []string, s nbrun.Settings) *ipynb.Notebook {
	t.Helper()
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-10*time.Second))
		defer cancel()
	}
	nb, err := nbrun.Execute(ctx, tools, path, t.TempDir(), env, s.CellTimeout)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// checkRunAll checks an untouched notebook's Run All: nothing fails but the
// exercise's %test cell, and that one fails on the stub, with a failing
// test (not a build error or a crash). It returns the exercise.
func checkRunAll(t *testing.T, nb *ipynb.Notebook) ipynb.Exercise {
	t.Helper()
	ex, err := nb.Exercise()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range nb.Problems(func(c ipynb.Cell) bool { return c.Index == ex.Test.Index }) {
		t.Error(p)
	}
	test := nb.Cells[ex.Test.Index]
	passed, failed := test.TestOutcome()
	switch {
	case len(failed) == 0:
		t.Errorf("%s: the exercise's test does not fail on the untouched stub (passed: %v): a learner would see green before doing the work\n%s", nb.Where(test), passed, test.Text())
	case strings.Contains(test.Text(), "panic: ") || strings.Contains(test.Text(), "# command-line-arguments"):
		t.Errorf("%s: the exercise's test crashes or does not build on the stub, instead of failing with a message that helps:\n%s", nb.Where(test), test.Text())
	}
	for _, o := range test.Outputs {
		if o.OutputType == "error" && !strings.Contains(test.Text(), "--- FAIL") {
			t.Errorf("%s: error output instead of a failing test: %s %s", nb.Where(test), o.EName, o.EValue)
		}
	}
	return ex
}

// proveSolution runs the notebook's declarations with the solution in place
// of the stub, then the %test cell, in a fresh kernel: the test must pass.
func proveSolution(t *testing.T, tools nbrun.Tools, nb *ipynb.Notebook, ex ipynb.Exercise, env []string, s nbrun.Settings) {
	t.Helper()
	sol, err := nb.WithSolution(tools.Root)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sol.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, sol.Name+".ipynb")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	run := execute(t, tools, path, env, s)
	for _, p := range run.Problems(nil) {
		t.Errorf("with the solution: %s", p)
	}
	test := run.Cells[len(run.Cells)-1]
	if passed, failed := test.TestOutcome(); len(passed) == 0 || len(failed) > 0 {
		t.Errorf("%s: the exercise's test does not pass with the solution (passed %v, failed %v):\n%s", nb.Name, passed, failed, test.Text())
	}
	if t.Failed() {
		keep(t, run, filepath.Join("..", "artifacts", "notebooks"))
	}
}

// keep copies an executed notebook into dir so it can be opened after the run.
func keep(t *testing.T, nb *ipynb.Notebook, dir string) {
	t.Helper()
	raw, err := nb.Marshal()
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	p := filepath.Join(dir, nb.Name+".ipynb")
	if err == nil {
		err = os.WriteFile(p, raw, 0o644)
	}
	if err != nil {
		t.Logf("cannot keep executed notebook: %v", err)
		return
	}
	abs, _ := filepath.Abs(p)
	t.Logf("executed notebook kept at %s", abs)
}
