package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/notebooks/kernelclient"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	cells := []cellResult{
		{Latency: 300 * ms, ProgramWall: 250 * ms, CPU: 400 * ms, Gopls: 100 * ms, Program: 90 * ms},
		{Latency: 100 * ms, ProgramWall: 10 * ms, CPU: 200 * ms},
		{Latency: 200 * ms, ProgramWall: 20 * ms, CPU: 300 * ms, Gopls: 200 * ms},
	}
	f := summarize(cells)
	want := figures{Cells: 3, P50: 200 * ms, P95: 300 * ms, AddedP50: 90 * ms, AddedP95: 180 * ms,
		CPU: 300 * ms, Gopls: 100 * ms, Program: 30 * ms}
	if f != want {
		t.Errorf("summarize = %+v, want %+v", f, want)
	}
	if f := summarize(nil); f != (figures{}) {
		t.Errorf("summarize(nil) = %+v, want zero figures", f)
	}
}

func TestBeforeSpecKeepsOnlyPath(t *testing.T) {
	installed := kernelSpec{
		"argv":         []any{"/repo/.bin/gonb", "--kernel", "{connection_file}"},
		"display_name": "Go (gonb)",
		"env":          map[string]any{"PATH": "/repo/.bin:${PATH}", "GOFLAGS": "-ldflags=-s"},
	}
	s, err := beforeSpec(installed)
	if err != nil {
		t.Fatal(err)
	}
	if env := s.env(); len(env) != 1 || env["PATH"] != "/repo/.bin:${PATH}" {
		t.Errorf("before's env = %v, want PATH only", env)
	}
	if installed.env()["GOFLAGS"] != "-ldflags=-s" {
		t.Error("beforeSpec changed the installed spec's env")
	}
	dir := t.TempDir()
	if err := configs[0].install(installed, dir, map[string]string{"VIDEO_API_URL": "http://127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	got, err := readSpec(filepath.Join(dir, "kernels", "gonb-before", "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if env := got.env(); env["VIDEO_API_URL"] != "http://127.0.0.1:1" || env["GOFLAGS"] != nil {
		t.Errorf("installed before kernel env = %v, want PATH and the mock server, no GOFLAGS", env)
	}
}

func TestReadSpecRefusesNonSpecs(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"notjson": "{", "noargv": `{"display_name": "x"}`} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readSpec(p); err == nil {
			t.Errorf("readSpec accepted %s: %s", name, content)
		}
	}
}

// notebook builds a notebook from cells of (type, source, tags).
func notebook(t *testing.T, cells ...[3]string) *ipynb.Notebook {
	t.Helper()
	var raw []map[string]any
	for _, c := range cells {
		m := map[string]any{"cell_type": c[0], "source": c[1], "metadata": map[string]any{}}
		if c[2] != "" {
			m["metadata"] = map[string]any{"tags": []string{c[2]}}
		}
		if c[0] == "code" {
			m["outputs"], m["execution_count"] = []any{}, nil
		}
		raw = append(raw, m)
	}
	b, err := json.Marshal(map[string]any{"cells": raw, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	nb, err := ipynb.Parse("nb", b)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

func TestCodeCells(t *testing.T) {
	nb := notebook(t,
		[3]string{"code", OldLinkCell, ""},
		[3]string{"markdown", "Use `slider.Run(...)`", ""},
		[3]string{"code", "%%\nslider.Run(\"limit\", 1, 100, 10, f)", ""},
		[3]string{"code", "   \n", ""},
		[3]string{"code", "func work() {}", "exercise"},
		[3]string{"code", "%test\nfunc TestWork(t *testing.T) {}", ""},
		[3]string{"markdown", "<details>\n\n```go\nfunc work() {}\n```\n</details>", "solution"},
	)
	cells, err := codeCells(nb)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cells {
		got = append(got, c.FirstLine)
		if c.ExerciseTest != (c.Index == 5) {
			t.Errorf("cell %d: ExerciseTest %v", c.Index, c.ExerciseTest)
		}
	}
	want := []string{OldLinkCell, "func work() {}", "%test"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("codeCells = %q, want %q (no slider, no empty cell)", got, want)
	}
	if _, err := codeCells(notebook(t, [3]string{"code", "%%", ""})); err == nil {
		t.Error("codeCells accepted a notebook without an exercise")
	}
}

func TestProblem(t *testing.T) {
	stream := func(s string) []kernelclient.Output {
		return []kernelclient.Output{{Type: "stream", Name: "stdout", Text: s}}
	}
	tests := []struct {
		name string
		c    cell
		r    kernelclient.Run
		want string // "" or a word of the problem
	}{
		{"ok", cell{}, kernelclient.Run{Status: "ok", Outputs: stream("42 videos\n")}, ""},
		{"error", cell{}, kernelclient.Run{Status: "error"}, "status error"},
		{"panic printed", cell{}, kernelclient.Run{Status: "ok", Outputs: stream("panic: boom\n")}, "panic"},
		{"exercise red", cell{ExerciseTest: true}, kernelclient.Run{Status: "error", Outputs: stream("--- FAIL: TestWork\n")}, ""},
		{"exercise not red", cell{ExerciseTest: true}, kernelclient.Run{Status: "error", Outputs: stream("undefined: work\n")}, "no failing test"},
	}
	for _, tc := range tests {
		got := problem(tc.c, tc.r)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: problem = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	good := options{Read: time.Second, Scale: 0.02}
	if err := good.validate(); err != nil {
		t.Errorf("%+v: %v", good, err)
	}
	for _, bad := range []options{{Read: -time.Second}, {Scale: -1}, {Scale: 1e9}, {Notebooks: "("}} {
		if err := bad.validate(); err == nil {
			t.Errorf("validate accepted %+v", bad)
		}
	}
}

func TestNotebookNames(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"00_a.ipynb", "01_b.ipynb", "notes.md"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := notebookNames(dir, "")
	if err != nil || strings.Join(got, ",") != "00_a,01_b" {
		t.Errorf("notebookNames = %v, %v", got, err)
	}
	if _, err := notebookNames(dir, "^07"); err == nil {
		t.Error("notebookNames found nothing and said nothing")
	}
}
