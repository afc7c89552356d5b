package ipynb

import (
	"strings"
	"testing"
)

func fixture(t *testing.T) *Notebook {
	t.Helper()
	nb, err := Read("testdata/executed.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

func TestParse(t *testing.T) {
	nb := fixture(t)
	if nb.Name != "executed" || len(nb.Cells) != 7 {
		t.Fatalf("parsed %q with %d cells", nb.Name, len(nb.Cells))
	}
	if !nb.Cells[4].HasTag(TagExercise) || !nb.Cells[6].IsTest() || nb.Cells[2].IsTest() {
		t.Error("tags or test-cell detection wrong")
	}
	if got := nb.Cells[2].FirstLine(); got != `import "sync"` {
		t.Errorf("FirstLine = %q", got)
	}
	if !strings.Contains(nb.Text(), "100/100 10.9s") {
		t.Error("Text lacks the stream output")
	}
	if _, err := Parse("bad", []byte(`{"nbformat": 3, "cells": []}`)); err == nil {
		t.Error("nbformat 3 accepted")
	}
	if _, err := Parse("bad", []byte(`not json`)); err == nil {
		t.Error("invalid JSON accepted")
	}
}

func TestRuns(t *testing.T) {
	nb := fixture(t)
	runs, err := nb.Runs()
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("Runs = %+v, want the one run (the comparison left out)", runs)
	}
	r, ok := nb.Run("100 at once")
	if !ok || r.WallSeconds != 10.91 || r.Server["video"].PeakWaiting != 90 || r.Server["video"].Degraded != 89 {
		t.Errorf("Run = %+v, %v", r, ok)
	}
	if _, ok := nb.Run("missing"); ok {
		t.Error("a missing run was found")
	}
}

func TestProblems(t *testing.T) {
	nb := fixture(t)
	probs := nb.Problems(nil)
	if len(probs) != 1 || !strings.Contains(probs[0], "cell 6") || !strings.Contains(probs[0], "--- FAIL") {
		t.Errorf("Problems = %q, want only the failing %%test cell (a race report and a quoted deadlock are lessons)", probs)
	}
	ex, err := nb.Exercise()
	if err != nil {
		t.Fatal(err)
	}
	if probs := nb.Problems(func(c Cell) bool { return c.Index == ex.Test.Index }); len(probs) != 0 {
		t.Errorf("Problems without the exercise test = %q", probs)
	}
	passed, failed := ex.Test.TestOutcome()
	if len(passed) != 0 || len(failed) != 1 || failed[0] != "TestDouble" {
		t.Errorf("TestOutcome = %v, %v", passed, failed)
	}
}

func TestProblemIn(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"all good\n", ""},
		{"panic: boom\n", "panic:"},
		{"goroutine 1 [running]:\nfatal error: all goroutines are asleep - deadlock!\n", "fatal error:"},
		{"  | fatal error: quoted as a lesson\n", ""},
		{"--- FAIL: TestX (0.00s)\n", "--- FAIL"},
		{"# command-line-arguments\n./main.go:3: undefined: x\n", "# command-line-arguments"},
		{"WARNING: DATA RACE\n", ""},
	}
	for _, tt := range tests {
		if got := ProblemIn(tt.text); got != tt.want {
			t.Errorf("ProblemIn(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestLeaks(t *testing.T) {
	tests := []struct {
		name, source, output string
		leak                 bool
	}{
		{"clean", "fmt.Println(1)", "server is up at http://127.0.0.1:8000/videos/x", false},
		{"colour codes", "", "\x1b[34mGET\x1b[0m", true},
		{"absolute path", "", "replace x => /work/main/notebooks/..", true},
		{"go installation path", "", "at /usr/local/go/src/runtime/proc.go:283", true},
		{"temporary folder", "", "open /tmp/gonb_1234/main.go", true},
		{"URL path is fine", "", "see https://example.com/home/page", false},
		{"relative path is fine", "", "notebooks/solutions/home/x", false},
		{"mentions CI", "# the CI shrinks this", "", true},
		{"mentions the harness", "the Harness sets it", "", true},
		{"a word containing ci is fine", "special circumstances", "", false},
		{"the learner's test is fine", "run the test below", "--- FAIL: TestX", false},
		{"a saved script", "", "<SCRIPT>let gonb_comm = {}</SCRIPT>", true},
		{"the word script is fine", "", "the script ran", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := &Notebook{Name: "x", Cells: []Cell{{Type: "code", Source: tt.source, Outputs: []Output{{OutputType: "stream", Text: tt.output}}}}}
			if got := nb.Leaks(); (len(got) > 0) != tt.leak {
				t.Errorf("Leaks = %q, want leak=%v", got, tt.leak)
			}
		})
	}
}

func TestExercise(t *testing.T) {
	nb := fixture(t)
	ex, err := nb.Exercise()
	if err != nil {
		t.Fatal(err)
	}
	if ex.Stub.Index != 4 || ex.Test.Index != 6 || ex.Solution.Index != 5 {
		t.Errorf("exercise cells %d %d %d", ex.Stub.Index, ex.Test.Index, ex.Solution.Index)
	}
	if want := "// double doubles.\nfunc double(x int) int { return 2 * x }"; ex.SolutionCode != want {
		t.Errorf("SolutionCode = %q, want %q", ex.SolutionCode, want)
	}

	broken := []struct {
		name string
		edit func(nb *Notebook)
		want string
	}{
		{"no stub", func(nb *Notebook) { nb.Cells[4].Tags = nil }, "no code cell tagged"},
		{"solution in a code cell", func(nb *Notebook) { nb.Cells[5].Type = "code" }, "would run with Run All"},
		{"no go block", func(nb *Notebook) { nb.Cells[5].Source = "<details>see above</details>" }, "no ```go block"},
		{"not collapsed", func(nb *Notebook) { nb.Cells[5].Source = "```go\nfunc f() {}\n```" }, "<details>"},
		{"no test after the stub", func(nb *Notebook) { nb.Cells[6].Source = "%%\nfmt.Println()" }, "no %test cell"},
	}
	for _, tt := range broken {
		t.Run(tt.name, func(t *testing.T) {
			nb := fixture(t)
			tt.edit(nb)
			if _, err := nb.Exercise(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Exercise() error = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestWithSolution(t *testing.T) {
	nb := fixture(t)
	sol, err := nb.WithSolution("/repo")
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, c := range sol.Cells {
		if c.Type != "code" || len(c.Outputs) != 0 || c.ExecutionCount != nil {
			t.Errorf("cell %d: type %s, %d outputs, executed %v: want cleared code cells", c.Index, c.Type, len(c.Outputs), c.ExecutionCount)
		}
		sources = append(sources, c.Source)
	}
	want := []string{
		"!*go mod edit -replace github.com/go-async-workshop/workshop=/repo -require github.com/go-async-workshop/workshop@v0.0.0\n\n" +
			"import \"sync\"\n\n" +
			"// fetch is declared here.\nfunc fetch() {}\n// double doubles.\nfunc double(x int) int { return 2 * x }",
		"import \"testing\"\n\nfunc TestDouble(t *testing.T) {}\n\n%test",
	}
	if strings.Join(sources, "\n----\n") != strings.Join(want, "\n----\n") {
		t.Errorf("solution notebook cells:\n%s\nwant:\n%s", strings.Join(sources, "\n----\n"), strings.Join(want, "\n----\n"))
	}
	if nb.Cells[4].Source == sol.Cells[0].Source {
		t.Error("the original notebook was changed")
	}
}

func TestWithAnswers(t *testing.T) {
	nb := fixture(t)
	wrong := []string{"func double(x int) int { return x }", "func double(x int) int { return 3 * x }"}
	run, err := nb.WithAnswers("/repo", "_wrong", wrong...)
	if err != nil {
		t.Fatal(err)
	}
	if run.Name != nb.Name+"_wrong" || len(run.Cells) != 4 {
		t.Fatalf("%s: %d cells, want 4 (answer, test, answer, test)", run.Name, len(run.Cells))
	}
	if !strings.Contains(run.Cells[0].Source, "// fetch is declared here.") || !strings.HasSuffix(run.Cells[0].Source, wrong[0]) {
		t.Errorf("first answer's cell does not join the declarations and the answer:\n%s", run.Cells[0].Source)
	}
	if run.Cells[2].Source != wrong[1] {
		t.Errorf("second answer's cell = %q, want the answer alone", run.Cells[2].Source)
	}
	for _, i := range []int{1, 3} {
		if !run.Cells[i].IsTest() {
			t.Errorf("cell %d is not the %%test cell", i)
		}
	}
	if _, err := nb.WithAnswers("/repo", "_wrong"); err == nil {
		t.Error("no answer: want an error")
	}
}

func TestRunAllProblems(t *testing.T) {
	// A notebook of one lesson cell and the exercise's test cell, whose
	// outputs are given.
	nb := func(lesson, test string) *Notebook {
		t.Helper()
		doc := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
			{"cell_type": "code", "source": "%%\nlesson()", "execution_count": 1, "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout", "text": ` + lesson + `}]},
			{"cell_type": "code", "source": "%test", "execution_count": 2, "metadata": {}, "outputs": [{"output_type": "stream", "name": "stdout", "text": ` + test + `}]}]}`
		n, err := Parse("nb", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	const (
		fine = `"3 videos\n"`
		red  = `"=== RUN   TestX\n--- FAIL: TestX (0.00s)\n    x_test.go:3: not yet\nFAIL\n"`
	)
	tests := []struct {
		name, lesson, test string
		want               string // part of the one problem; "" for none
	}{
		{"red test, clean lesson", fine, red, ""},
		{"green on the stub", fine, `"--- PASS: TestX (0.00s)\nPASS\n"`, "does not fail on the untouched stub"},
		{"stub does not build", fine, `"# command-line-arguments\n./x.go:3: undefined: y\n--- FAIL: TestX\n"`, "crashes or does not build"},
		{"stub panics", fine, `"--- FAIL: TestX (0.00s)\npanic: runtime error\n"`, "crashes or does not build"},
		{"lesson cell fails", `"panic: boom\n"`, red, "cell 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nb(tt.lesson, tt.test).RunAllProblems(1)
			if tt.want == "" && len(got) > 0 || tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)) {
				t.Errorf("RunAllProblems = %q, want one problem containing %q (none if empty)", got, tt.want)
			}
		})
	}
	if got := nb(fine, red).RunAllProblems(5); len(got) == 0 || !strings.Contains(got[len(got)-1], "no cell 5") {
		t.Errorf("RunAllProblems(5) on 2 cells = %q, want it to say there is no such cell", got)
	}
}

func TestJoinDeclarations(t *testing.T) {
	got, err := joinDeclarations([]string{
		"!*go mod edit -x\nimport \"fmt\"\n\nfunc a() { fmt.Println(1) }",
		"%goflags -race\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\n// b is b.\nfunc b() {}",
		"",
		"%goflags \"\"",
		"func a() {} // a again: the later one counts",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "!*go mod edit -x\n%goflags -race\n%goflags \"\"\n\n" +
		"import \"fmt\"\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\n" +
		"func a() { fmt.Println(1) }\n// b is b.\nfunc b() {}\nfunc a() {} // a again: the later one counts"
	if got != want {
		t.Errorf("joined:\n%s\nwant:\n%s", got, want)
	}
	if _, err := joinDeclarations([]string{"func ("}); err == nil {
		t.Error("a cell that is not Go was joined")
	}
}

func TestCoalesceStreams(t *testing.T) {
	doc := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
		{"cell_type": "code", "source": "%%", "execution_count": 1, "metadata": {}, "outputs": [
			{"output_type": "stream", "name": "stdout", "text": ["progress 1/3\r", "progress 2/3\rprogress 3/3\n"]},
			{"output_type": "stream", "name": "stdout", "text": "done\n"},
			{"output_type": "stream", "name": "stderr", "text": "warning\r\n"},
			{"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}},
			{"output_type": "stream", "name": "stdout", "text": "after"}]},
		{"cell_type": "markdown", "source": "text", "metadata": {}}]}`
	nb, err := Parse("nb", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got, err := nb.CoalesceStreams()
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, o := range got.Cells[0].Outputs {
		texts = append(texts, o.OutputType+":"+o.Name+":"+o.Text)
	}
	want := []string{"stream:stdout:progress 3/3\ndone\n", "stream:stderr:warning\r\n", "display_data::", "stream:stdout:after"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("outputs %q, want %q", texts, want)
	}
	if len(nb.Cells[0].Outputs) != 5 {
		t.Errorf("the original notebook was changed: %d outputs", len(nb.Cells[0].Outputs))
	}
	raw, _ := got.Marshal()
	if !strings.Contains(string(raw), `"progress 3/3\n",`) {
		t.Errorf("stream text not written as lines, as nbformat does:\n%s", raw)
	}
}
