package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		events   []string
		wantOut  string // printed before the closing line
		wantLine string
		wantOK   bool
	}{
		{
			name: "passing package keeps only its result line",
			events: []string{
				`{"Action":"run","Package":"p","Test":"TestA"}`,
				`{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}`,
				`{"Action":"pass","Package":"p","Test":"TestA"}`,
				`{"Action":"output","Package":"p","Output":"PASS\n"}`,
				`{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}`,
				`{"Action":"pass","Package":"p"}`,
			},
			wantOut:  "ok  \tp\t0.1s\n",
			wantLine: "notebooks executed: 0 (0 passed) | browser check: not run\ntests: 1 passed, 0 failed, 0 skipped",
			wantOK:   true,
		},
		{
			name: "failed test prints its output",
			events: []string{
				`{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: boom\n"}`,
				`{"Action":"output","Package":"p","Test":"TestB","Output":"--- FAIL: TestB (0.00s)\n"}`,
				`{"Action":"fail","Package":"p","Test":"TestB"}`,
				`{"Action":"output","Package":"p","Output":"FAIL\tp\t0.1s\n"}`,
				`{"Action":"fail","Package":"p"}`,
			},
			wantOut:  "    b_test.go:9: boom\n--- FAIL: TestB (0.00s)\nFAIL\tp\t0.1s\n",
			wantLine: "notebooks executed: 0 (0 passed) | browser check: not run\ntests: 0 passed, 1 failed, 0 skipped",
		},
		{
			name: "a test binary that died prints the output of its unfinished test",
			events: []string{
				`{"Action":"output","Package":"p","Test":"TestQuick","Output":"=== RUN   TestQuick\n"}`,
				`{"Action":"pass","Package":"p","Test":"TestQuick"}`,
				`{"Action":"output","Package":"p","Test":"TestHang","Output":"=== RUN   TestHang\n"}`,
				`{"Action":"output","Package":"p","Test":"TestHang","Output":"panic: test timed out after 2s\n"}`,
				`{"Action":"output","Package":"p","Output":"FAIL\tp\t2.0s\n"}`,
				`{"Action":"fail","Package":"p"}`,
			},
			wantOut:  "FAIL\tp\t2.0s\n=== RUN   TestHang\npanic: test timed out after 2s\n",
			wantLine: "notebooks executed: 0 (0 passed) | browser check: not run\ntests: 1 passed, 1 failed, 0 skipped",
		},
		{
			name: "notebooks and browser check are counted",
			events: []string{
				`{"Action":"pass","Package":"n","Test":"TestNotebooks/00_start_here","Elapsed":23.25}`,
				`{"Action":"fail","Package":"n","Test":"TestNotebooks/01_snippets"}`,
				`{"Action":"pass","Package":"n","Test":"TestNotebooks/01_snippets/check"}`,
				`{"Action":"fail","Package":"n","Test":"TestNotebooks"}`,
				`{"Action":"pass","Package":"b","Test":"TestNotebookRunsInBrowser","Elapsed":44}`,
			},
			wantOut:  "    TestNotebooks/00_start_here: pass in 23.2s\n    TestNotebooks/01_snippets: fail in 0.0s\n    TestNotebookRunsInBrowser: pass in 44.0s\n",
			wantLine: "notebooks executed: 2 (1 passed) | browser check: passed\ntests: 3 passed, 2 failed, 0 skipped",
		},
		{
			name: "skips in -short",
			events: []string{
				`{"Action":"skip","Package":"n","Test":"TestNotebooks"}`,
				`{"Action":"skip","Package":"b","Test":"TestNotebookRunsInBrowser"}`,
			},
			wantOut:  "    TestNotebookRunsInBrowser: skip in 0.0s\n",
			wantLine: "notebooks executed: 0 (0 passed) | browser check: skipped\ntests: 0 passed, 0 failed, 2 skipped",
			wantOK:   true,
		},
		{
			name: "build failure and stray text are shown and fail the run",
			events: []string{
				`go: downloading example.com/m v1.0.0`,
				`{"Action":"build-output","ImportPath":"p [p.test]","Output":"./a.go:3:1: syntax error\n"}`,
				`{"Action":"build-fail","ImportPath":"p [p.test]"}`,
				`{"Action":"output","Package":"p","Output":"FAIL\tp [build failed]\n"}`,
				`{"Action":"fail","Package":"p"}`,
			},
			wantOut:  "go: downloading example.com/m v1.0.0\n./a.go:3:1: syntax error\nFAIL\tp [build failed]\n",
			wantLine: "notebooks executed: 0 (0 passed) | browser check: not run | packages that did not build: 1\ntests: 0 passed, 0 failed, 0 skipped",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			s, err := run(strings.NewReader(strings.Join(tt.events, "\n")+"\n"), &out)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.wantOut {
				t.Errorf("printed %q, want %q", out.String(), tt.wantOut)
			}
			if got := s.line(); got != tt.wantLine {
				t.Errorf("line = %q, want %q", got, tt.wantLine)
			}
			if s.ok() != tt.wantOK {
				t.Errorf("ok() = %v, want %v", s.ok(), tt.wantOK)
			}
		})
	}
}
