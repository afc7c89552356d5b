package notebooks

import (
	"strings"
	"testing"
)

// executedFixture is an executed notebook shaped like GoNB's real outputs:
// a progress bar redrawn with carriage returns, result and summary lines, a
// race report on stderr, a deadlock report quoted as a lesson, and an SVG.
const executedFixture = `{
 "cells": [
  {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n"]},
  {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [
    {"name": "stdout", "output_type": "stream", "text": ["100 at once [....] 0/100\r100 at once [####] 100/100 10.9s\n", "result: unlimited100 wall=10.91s peak_in_flight=10 peak_waiting=90\n"]},
    {"data": {"text/html": ["<svg width=\"10\"></svg>"]}, "metadata": {}, "output_type": "display_data"}
   ], "source": ["%%\n", "measure()"]},
  {"cell_type": "code", "execution_count": 2, "metadata": {"jupyter": {"source_hidden": true}}, "outputs": [
    {"name": "stderr", "output_type": "stream", "text": "==================\nWARNING: DATA RACE\nFound 1 data race(s)\n"},
    {"name": "stdout", "output_type": "stream", "text": "  | fatal error: all goroutines are asleep - deadlock!\nsummary: mode=final videos=100 flagged=9 wall=12.34s\nresult: speed sync=2.00s speedup=2.0x\n"}
   ], "source": "func solution() {}"},
  {"cell_type": "code", "execution_count": 3, "metadata": {}, "outputs": [
    {"data": {"image/png": "iVBORw0KGgo=", "text/plain": ["<Figure>"]}, "metadata": {}, "output_type": "display_data"}
   ], "source": "%test"}
 ],
 "metadata": {"kernelspec": {"name": "gonb", "display_name": "Go (gonb)", "language": "go"}},
 "nbformat": 4, "nbformat_minor": 5
}`

func TestParseExecutedNotebook(t *testing.T) {
	nb, err := parseNotebook("fixture", []byte(executedFixture))
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.Cells) != 4 || nb.Cells[1].FirstLine() != "%%" || !nb.Cells[2].Hidden {
		t.Fatalf("cells parsed wrong: %+v", nb.Cells)
	}
	if probs := nb.problems(); len(probs) != 0 {
		t.Errorf("a clean notebook (race report and quoted deadlock are lessons) has problems: %q", probs)
	}

	res := nb.Results()
	tests := []struct {
		result, key string
		want        float64
	}{
		{"unlimited100", "wall", 10.91},
		{"unlimited100", "peak_waiting", 90},
		{"speed", "speedup", 2.0},
		{"speed", "sync", 2.0},
	}
	for _, tt := range tests {
		if got := nb.Number(t, tt.result, tt.key); got != tt.want {
			t.Errorf("Number(%s, %s) = %v, want %v (results %v)", tt.result, tt.key, got, tt.want, res)
		}
	}
	if len(res) != 2 {
		t.Errorf("Results() = %v, want 2 results", res)
	}
	sums := nb.Summaries()
	if len(sums) != 1 || sums[0]["mode"] != "final" || sums[0]["flagged"] != "9" {
		t.Errorf("Summaries() = %v", sums)
	}
	if nb.Displays("image/png") != 1 || len(nb.DisplayData("text/html")) != 1 {
		t.Error("display outputs not counted")
	}
	if c := nb.CellPrinting("WARNING: DATA RACE"); c == nil || c.Index != 2 {
		t.Errorf("CellPrinting found %+v, want cell 2", c)
	}
	if !strings.Contains(nb.Text(), "<Figure>") {
		t.Error("Text() misses text/plain outputs")
	}
}

func TestProblemsAreReported(t *testing.T) {
	tests := []struct {
		name   string
		output string // one output of cell 1
		want   string // in the problem reported; "" = no problem
	}{
		{"error output", `{"output_type": "error", "ename": "ERROR", "evalue": "failed to run \"go build\": exit status 1", "traceback": []}`, "error output ERROR"},
		{"panic", `{"output_type": "stream", "name": "stderr", "text": "panic: boom\n\ngoroutine 1 [running]:\n"}`, `shows "panic:`},
		{"runtime crash", `{"output_type": "stream", "name": "stderr", "text": "fatal error: all goroutines are asleep - deadlock!\n"}`, `shows "fatal error:`},
		{"failed test", `{"output_type": "stream", "name": "stdout", "text": "=== RUN   TestX\n--- FAIL: TestX (0.00s)\n"}`, `shows "--- FAIL`},
		{"failed build", `{"output_type": "stream", "name": "stderr", "text": "# command-line-arguments\n./main.go:3:1: undefined: x\n"}`, "command-line-arguments"},
		{"quoted lesson", `{"output_type": "stream", "name": "stdout", "text": "  | fatal error: all goroutines are asleep - deadlock!\n  | panic: no\n"}`, ""},
		{"passing test", `{"output_type": "stream", "name": "stdout", "text": "--- PASS: TestX (0.00s)\nPASS\n"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := `{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "x", "outputs": []},
				{"cell_type": "code", "execution_count": 2, "metadata": {}, "source": "%%\nbroken()", "outputs": [` + tt.output + `]}],
				"metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
			nb, err := parseNotebook("t", []byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			probs := nb.problems()
			if tt.want == "" {
				if len(probs) != 0 {
					t.Errorf("problems = %q, want none", probs)
				}
				return
			}
			if len(probs) != 1 || !strings.Contains(probs[0], tt.want) || !strings.Contains(probs[0], `t.ipynb cell 1 ("%%")`) {
				t.Errorf("problems = %q, want one naming cell 1 and containing %q", probs, tt.want)
			}
		})
	}
}

func TestUnexecutedCellsAreReported(t *testing.T) {
	raw := `{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "source": "x := 1", "outputs": []},
		{"cell_type": "code", "execution_count": null, "metadata": {}, "source": "", "outputs": []}],
		"metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	nb, err := parseNotebook("t", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	probs := nb.problems()
	if len(probs) != 1 || !strings.Contains(probs[0], "code cells 0 were not executed") {
		t.Errorf("problems = %q, want cell 0 (not the empty cell 1) reported as not executed", probs)
	}
}

func TestParseNotebookRejectsBadInput(t *testing.T) {
	for _, raw := range []string{"", "{", `{"cells": [{"cell_type": "code", "source": 3}]}`} {
		if _, err := parseNotebook("bad", []byte(raw)); err == nil {
			t.Errorf("parseNotebook(%q) returned no error", raw)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1.5", 1.5, true},
		{"10.91s", 10.91, true},
		{"250ms", 0.25, true},
		{"5.4x", 5.4, true},
		{"90", 90, true},
		{"fast", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := parseNumber(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
