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
//  3. runs the notebook's registered lesson check on the figures it reported.
//     A check decides on the server's own counts (at once, queued, slowed,
//     turned away), on the gate model's predictions, and on the run's own
//     measure of whether other programs took the cores; where it compares
//     wall times, it compares two runs as a ratio with a margin that another
//     program busy on one core does not cross, or a run against a wait
//     written in the cell's code. -hog proves it: the checks must hold with
//     one core kept busy;
//
//  4. proves the exercise's solution: the notebook's declarations and the
//     solution from its collapsed markdown cell in place of the stub, then
//     the %test cell, in a fresh kernel: the test must pass;
//
//  5. proves that the test judges the concurrency: each plausible wrong
//     answer registered for the notebook (sequential, racy or leaking, as
//     fits the task: it gives the right output the wrong way) in place of
//     the stub must fail the %test cell, within the cell's time, with a
//     message that names the problem.
//
// Notebooks run side by side (see TestNotebooks).
//
//	go test ./notebooks -run TestNotebooks -v              # every notebook (needs make setup)
//	go test ./notebooks -run 'TestNotebooks/01' -v         # one notebook
//	go test ./notebooks -run TestNotebooks -args -hog      # with one core kept busy by a CPU hog
//	go test ./notebooks -run TestNotebooks -args -jobs 1   # one kernel at a time
//	go test ./notebooks -run TestNotebooks -args -quick    # learner's quick mode, timed
//	go test ./notebooks -run TestNotebooks -args -update   # full latency; write the outputs back
package notebooks

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpuhog"
	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/notebooks/nbrun"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/snippets/instrument/runstore"
)

var (
	flagUpdate = flag.Bool("update", false, "run with the workshop's settings (full latency) and write each executed notebook back into notebooks/ if it passed")
	flagQuick  = flag.Bool("quick", false, "run with the learner's quick mode (full latency, 20 videos) and report each notebook's time")
	flagKeep   = flag.String("keep", "", "copy every executed notebook into this folder; failed runs are always kept under ../artifacts/notebooks")
	flagJobs   = flag.Int("jobs", 2, "kernels run at once (the notebooks' Run All and the solutions' proofs); -update runs one at a time")
	flagHog    = flag.Bool("hog", false, "keep one core busy with a CPU hog while the notebooks run, as another program on a busy laptop does: every lesson's check must still hold")
)

// checks maps a notebook's base name to the assertions run on what it
// reported, and how it may be scheduled. Every notebook in this folder must
// have one.
var checks = map[string]notebookCheck{}

// notebookCheck is a notebook's registered check.
type notebookCheck struct {
	check func(t *testing.T, nb *ipynb.Notebook)
	// after names the notebooks whose kept runs this one compares: it runs
	// once they are done.
	after []string
	// computes: the lesson measures computing on the cores, so no other
	// such lesson runs at the same time (a lesson about waiting, or a
	// solution's proof, may).
	computes bool
	// wrong are plausible wrong answers the exercise's test must fail.
	wrong []wrongAnswer
}

// wrongAnswer is a plausible wrong answer to a notebook's exercise: code in
// place of the stub, and what the failing test must say about it.
type wrongAnswer struct {
	what string // the mistake, for the check's messages
	code string // the answer's cell
	want string // part of the test's failure message
}

// wrong registers a plausible wrong answer that the exercise's test must
// fail with a message containing want.
func wrong(what, code, want string) option {
	return func(c *notebookCheck) { c.wrong = append(c.wrong, wrongAnswer{what, code, want}) }
}

// option sets how a notebook's check is scheduled.
type option func(*notebookCheck)

// after makes a notebook run once the named notebooks are done.
func after(names ...string) option { return func(c *notebookCheck) { c.after = names } }

// computes marks a notebook whose lesson measures computing.
func computes(c *notebookCheck) { c.computes = true }

// register adds a notebook's check, refusing duplicates.
func register(name string, check func(t *testing.T, nb *ipynb.Notebook), opts ...option) {
	if _, dup := checks[name]; dup {
		panic("notebooks: check registered twice for " + name)
	}
	c := notebookCheck{check: check}
	for _, o := range opts {
		o(&c)
	}
	checks[name] = c
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
		if checks[n].check == nil {
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
// outputs and its lesson, and proves its exercise both ways. Notebooks run
// side by side, each against a mock server of its own (-jobs kernels at
// once), except that two lessons that measure computing never run at the
// same time, and a notebook that compares another's kept runs waits for it.
// An -update run goes one notebook at a time against a server on the
// workshop's address, which the committed outputs show.
func TestNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("running notebooks needs Jupyter and the GoNB kernel; skipped in -short (the fast layer)")
	}
	s := settings()
	tools, err := nbrun.FindTools("..")
	if err != nil {
		t.Fatal(err)
	}
	server := buildServer(t)
	jobs := max(*flagJobs, 1)
	shared := ""
	if *flagUpdate {
		jobs = 1
		if ln, err := net.Listen("tcp", mockserver.DefaultAddr); err != nil {
			t.Fatalf("-update serves the mock server on %s so that the committed outputs show the workshop's address, but it is taken (%v): stop the server there (make lab, make server) and run again", mockserver.DefaultAddr, err)
		} else {
			ln.Close()
		}
		shared = startServer(t, server, mockserver.DefaultAddr, s.LatencyScale)
	}
	if *flagHog {
		cpuhog.Start(t, 1)
	}
	t.Logf("latency-scale=%g videos=%d model-work=%g, %d kernels at once", s.LatencyScale, s.Videos, s.ModelWork, jobs)
	// Runs kept for comparisons stay inside this test, so that a notebook
	// compares with runs of this same test (notebook 04 with 02 and 03).
	runsDir := t.TempDir()
	kernels := make(chan struct{}, jobs) // one per kernel running
	computing := make(chan struct{}, 1)  // held by a lesson that computes

	names := notebookNames(t)
	done := map[string]chan struct{}{}
	for _, name := range names {
		done[name] = make(chan struct{})
	}
	var mu sync.Mutex
	// selected holds the notebooks -run selected: set by the subtest itself,
	// since t.Run reports true for a subtest that -run filtered out.
	selected := map[string]bool{}
	var times []string
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			defer close(done[name])
			mu.Lock()
			selected[name] = true
			mu.Unlock()
			nc := checks[name]
			if nc.check == nil {
				t.Fatalf("notebook %s.ipynb has no registered check (see TestEveryNotebookHasACheck)", name)
			}
			t.Parallel()
			for _, dep := range nc.after {
				mu.Lock()
				run := selected[dep]
				mu.Unlock()
				if run {
					<-done[dep]
				}
			}
			url := shared
			if url == "" {
				url = startServer(t, server, "127.0.0.1:0", s.LatencyScale)
			}
			env := append(s.Env(url), runstore.EnvDir+"="+runsDir)
			committed, err := ipynb.Read(name + ".ipynb")
			if err != nil {
				t.Fatal(err)
			}
			// The solution's proof needs only the notebook's code: it runs
			// beside the Run All, against a server of its own and with runs
			// kept apart, so that neither sees the other's requests or runs.
			proofURL := shared
			if proofURL == "" {
				proofURL = startServer(t, server, "127.0.0.1:0", s.LatencyScale)
			}
			proofEnv := append(s.Env(proofURL), runstore.EnvDir+"="+t.TempDir())
			proof := make(chan func(), 1)
			go func() {
				kernels <- struct{}{}
				defer func() { <-kernels }()
				start := time.Now()
				run, err := proofRun(t, tools, committed, proofEnv, s)
				took := time.Since(start)
				var wrongRun *ipynb.Notebook
				var wrongErr error
				if err == nil && len(nc.wrong) > 0 {
					wrongRun, wrongErr = wrongRunOf(t, tools, committed, nc.wrong, proofEnv, s)
				}
				proof <- func() {
					if err != nil {
						t.Error(err)
						return
					}
					checkProof(t, committed.Name, run)
					t.Logf("%s: the solution's proof took %.1fs", name, took.Seconds())
					if wrongErr != nil {
						t.Error(wrongErr)
					} else if wrongRun != nil {
						checkWrong(t, nc.wrong, wrongRun)
					}
				}
			}()
			defer func() { (<-proof)() }()

			if nc.computes {
				computing <- struct{}{}
			}
			kernels <- struct{}{}
			start := time.Now()
			nb, err := execute(t, tools, name+".ipynb", env, s)
			took := time.Since(start)
			<-kernels
			if nc.computes {
				<-computing
			}
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			times = append(times, fmt.Sprintf("%s %.0fs", name, took.Seconds()))
			mu.Unlock()
			t.Logf("%s: Run All took %.1fs", name, took.Seconds())
			failed := func() bool {
				if t.Failed() {
					keep(t, nb, filepath.Join("..", "artifacts", "notebooks"))
				}
				return t.Failed()
			}
			checkRunAll(t, nb)
			for _, l := range nb.Leaks() {
				t.Error(l)
			}
			if failed() {
				return
			}
			nc.check(t, nb)
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
	t.Cleanup(func() { t.Logf("Run All times: %s", strings.Join(times, ", ")) })
}

// execute runs one notebook with the tools, within the test's deadline.
func execute(t *testing.T, tools nbrun.Tools, path string, env []string, s nbrun.Settings) (*ipynb.Notebook, error) {
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-10*time.Second))
		defer cancel()
	}
	return nbrun.Execute(ctx, tools, path, t.TempDir(), env, s.CellTimeout)
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
	for _, p := range nb.RunAllProblems(ex.Test.Index) {
		t.Error(p)
	}
	return ex
}

// proofRun runs the notebook's declarations with the solution in place of
// the stub, then the %test cell, in a fresh kernel (ipynb's WithSolution).
func proofRun(t *testing.T, tools nbrun.Tools, nb *ipynb.Notebook, env []string, s nbrun.Settings) (*ipynb.Notebook, error) {
	sol, err := nb.WithSolution(tools.Root)
	if err != nil {
		return nil, err
	}
	return executeCopy(t, tools, sol, env, s)
}

// executeCopy writes a notebook made for a check into a temporary folder
// and runs it there.
func executeCopy(t *testing.T, tools nbrun.Tools, nb *ipynb.Notebook, env []string, s nbrun.Settings) (*ipynb.Notebook, error) {
	raw, err := nb.Marshal()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(t.TempDir(), nb.Name+".ipynb")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return nil, err
	}
	return execute(t, tools, path, env, s)
}

// checkProof checks the proof's run: nothing failed, and the exercise's test
// passed with the solution.
func checkProof(t *testing.T, name string, run *ipynb.Notebook) {
	t.Helper()
	for _, p := range run.Problems(nil) {
		t.Errorf("with the solution: %s", p)
	}
	test := run.Cells[len(run.Cells)-1]
	if passed, failed := test.TestOutcome(); len(passed) == 0 || len(failed) > 0 {
		t.Errorf("%s: the exercise's test does not pass with the solution (passed %v, failed %v):\n%s", name, passed, failed, test.Text())
	}
	if t.Failed() {
		keep(t, run, filepath.Join("..", "artifacts", "notebooks"))
	}
}

// wrongRunOf runs the notebook's declarations with each wrong answer in
// turn in place of the stub, each followed by the %test cell, in one fresh
// kernel (ipynb's WithAnswers).
func wrongRunOf(t *testing.T, tools nbrun.Tools, nb *ipynb.Notebook, answers []wrongAnswer, env []string, s nbrun.Settings) (*ipynb.Notebook, error) {
	var codes []string
	for _, a := range answers {
		codes = append(codes, a.code)
	}
	run, err := nb.WithAnswers(tools.Root, "_wrong", codes...)
	if err != nil {
		return nil, err
	}
	return executeCopy(t, tools, run, env, s)
}

// checkWrong checks that the exercise's test failed every wrong answer
// (see wrongProblems).
func checkWrong(t *testing.T, answers []wrongAnswer, run *ipynb.Notebook) {
	t.Helper()
	for _, p := range wrongProblems(answers, run) {
		t.Error(p)
	}
	if t.Failed() {
		keep(t, run, filepath.Join("..", "artifacts", "notebooks"))
		return
	}
	for _, a := range answers {
		t.Logf("wrong answer %q failed the test, saying %q", a.what, a.want)
	}
}

// wrongProblems says what is wrong with the run of the wrong answers: each
// answer must compile and run, and the exercise's test after it must fail
// as a test fails (not a build error, not a hang the cell's timeout ended),
// with a message that names the mistake.
func wrongProblems(answers []wrongAnswer, run *ipynb.Notebook) []string {
	if len(run.Cells) != 2*len(answers) {
		return []string{fmt.Sprintf("the wrong answers' notebook has %d cells, want %d", len(run.Cells), 2*len(answers))}
	}
	var bad []string
	for k, a := range answers {
		answer, test := run.Cells[2*k], run.Cells[2*k+1]
		if p := run.Problems(func(c ipynb.Cell) bool { return c.Index != answer.Index }); len(p) > 0 {
			bad = append(bad, fmt.Sprintf("wrong answer %q does not compile or run: %s", a.what, strings.Join(p, "; ")))
			continue
		}
		passed, failed := test.TestOutcome()
		switch {
		case test.ExecutionCount == nil:
			bad = append(bad, fmt.Sprintf("wrong answer %q: the exercise's test was not executed (it hung until the cell's timeout, or an earlier cell stopped the run)", a.what))
		case len(failed) == 0:
			bad = append(bad, fmt.Sprintf("wrong answer %q: the exercise's test did not fail it (passed %v):\n%s", a.what, passed, test.Text()))
		case !strings.Contains(test.Text(), a.want):
			bad = append(bad, fmt.Sprintf("wrong answer %q failed, but the message does not say %q:\n%s", a.what, a.want, test.Text()))
		}
	}
	return bad
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

// TestWrongProblems runs the rule for wrong answers on made-up runs, in the
// fast layer: a test that fails with the right words passes the rule; one
// that passes, fails for another reason, or never ran breaks it.
func TestWrongProblems(t *testing.T) {
	// run is an executed notebook of one answer and its test, whose output
	// is testOut (no output: the test cell never ran).
	run := func(testOut string) *ipynb.Notebook {
		test := `{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "%test"}`
		if testOut != "" {
			out, _ := json.Marshal(testOut)
			test = `{"cell_type": "code", "execution_count": 2, "metadata": {}, "source": "%test",
				"outputs": [{"output_type": "stream", "name": "stdout", "text": ` + string(out) + `}]}`
		}
		raw := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
			{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": "func double() {}"}, ` + test + `]}`
		nb, err := ipynb.Parse("wrong", []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		return nb
	}
	answers := []wrongAnswer{{what: "a plain loop", code: "func double() {}", want: "ran one after another"}}
	tests := []struct {
		name, testOut, want string // want: part of the complaint, "" for none
	}{
		{"failed, naming the mistake", "=== RUN   TestDouble\n    the calls ran one after another\n--- FAIL: TestDouble (0.10s)\nFAIL\n", ""},
		{"passed", "=== RUN   TestDouble\n--- PASS: TestDouble (0.10s)\nPASS\n", "did not fail it"},
		{"failed for another reason", "=== RUN   TestDouble\n    want [2 4]\n--- FAIL: TestDouble (0.10s)\nFAIL\n", "does not say"},
		{"never ran", "", "not executed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(wrongProblems(answers, run(tt.testOut)), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("wrongProblems = %q, want %q", got, tt.want)
			}
		})
	}
}
