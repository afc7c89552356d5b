// Command testsummary reads `go test -json` on stdin, prints what plain
// `go test` would (one line per package, the full output of failed tests
// only, plus one line with the time of each notebook the harness executed
// and of the browser check) and ends with one line of counts: tests passed, failed and skipped
// (subtests included), notebooks executed by the notebook harness, and the
// result of the browser check. It exits 1 when anything failed.
//
//	go test -json ./... | go run ./scripts/testsummary
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// Tests the summary singles out.
const (
	notebookTests = "TestNotebooks/"            // one subtest per notebook executed
	browserCheck  = "TestNotebookRunsInBrowser" // notebooks/browsercheck
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	Elapsed    float64 // seconds, on pass, fail and skip events
	ImportPath string  // build-output and build-fail events
}

// summary accumulates the counts.
type summary struct {
	passed, failed, skipped int
	notebooks, notebooksOK  int
	browser                 string // "", "passed", "failed" or "skipped"
	failedPackages          int    // packages whose run failed, for whatever reason
	unbuilt                 int    // packages that did not compile
}

// line renders the closing lines: what ran of the layers that matter, then
// the count alone on the last line, in the plain "N passed, N failed" form
// that CI systems read.
func (s summary) line() string {
	browser := s.browser
	if browser == "" {
		browser = "not run"
	}
	layers := fmt.Sprintf("notebooks executed: %d (%d passed) | browser check: %s", s.notebooks, s.notebooksOK, browser)
	if s.unbuilt > 0 {
		layers += fmt.Sprintf(" | packages that did not build: %d", s.unbuilt)
	}
	return fmt.Sprintf("%s\ntests: %d passed, %d failed, %d skipped", layers, s.passed, s.failed, s.skipped)
}

// ok reports whether nothing failed.
func (s summary) ok() bool { return s.failed == 0 && s.failedPackages == 0 && s.unbuilt == 0 }

// run copies the interesting parts of the event stream in to out and
// returns the counts.
func run(in io.Reader, out io.Writer) (summary, error) {
	var s summary
	pending := map[string]*strings.Builder{} // output of running tests, by package + test
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not an event (e.g. a message from the go command): pass it on.
			fmt.Fprintln(out, sc.Text())
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
		case e.Action == "build-fail":
			s.unbuilt++
		case e.Test == "" && e.Action == "output":
			if e.Output != "PASS\n" { // keep "ok pkg 1.2s", "FAIL pkg", "? pkg [no test files]"
				fmt.Fprint(out, e.Output)
			}
		case e.Test == "" && e.Action == "fail":
			s.failedPackages++
			// A test binary that died (a -timeout panic, a crash, a kill)
			// leaves its running tests unfinished: their output holds why.
			for _, k := range slices.Sorted(maps.Keys(pending)) {
				if strings.HasPrefix(k, e.Package+" ") {
					fmt.Fprint(out, pending[k].String())
					delete(pending, k)
					s.failed++
				}
			}
		case e.Test == "":
		case e.Action == "output":
			if pending[key] == nil {
				pending[key] = &strings.Builder{}
			}
			pending[key].WriteString(e.Output)
		case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
			if e.Action == "fail" && pending[key] != nil {
				fmt.Fprint(out, pending[key].String())
			}
			delete(pending, key)
			if isNotebook(e.Test) || e.Test == browserCheck {
				fmt.Fprintf(out, "    %s: %s in %.1fs\n", e.Test, e.Action, e.Elapsed)
			}
			s.count(e)
		}
	}
	return s, sc.Err()
}

// count adds one finished test to the summary.
func (s *summary) count(e event) {
	switch e.Action {
	case "pass":
		s.passed++
	case "fail":
		s.failed++
	case "skip":
		s.skipped++
	}
	if isNotebook(e.Test) && e.Action != "skip" {
		s.notebooks++
		if e.Action == "pass" {
			s.notebooksOK++
		}
	}
	if e.Test == browserCheck {
		s.browser = map[string]string{"pass": "passed", "fail": "failed", "skip": "skipped"}[e.Action]
	}
}

// isNotebook reports whether test is the harness's subtest for one notebook.
func isNotebook(test string) bool {
	name, ok := strings.CutPrefix(test, notebookTests)
	return ok && !strings.Contains(name, "/")
}

func main() {
	s, err := run(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	fmt.Println(s.line())
	if !s.ok() {
		os.Exit(1)
	}
}
