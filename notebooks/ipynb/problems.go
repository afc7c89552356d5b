package ipynb

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// problemLine matches printed text that means a cell went wrong even when
// the kernel reported no error: a panic, a runtime crash, a failed build or
// test. A notebook that shows such text as a lesson indents or quotes it so
// that it does not start a line.
var problemLine = regexp.MustCompile(`(?m)^(panic: |fatal error: |--- FAIL|FAIL\s|# command-line-arguments)|failed to run`)

// ProblemIn returns the first text in s that shows something went wrong (a
// panic, a crash, a failed build or test), or "".
func ProblemIn(s string) string {
	return strings.TrimSpace(problemLine.FindString(s))
}

// Problems lists every error output, every output showing a panic or a
// failed build or test, and every code cell that was not executed, naming
// the notebook, the cell and its first line. Cells for which skip returns
// true are left out (nil skips none).
func (nb *Notebook) Problems(skip func(Cell) bool) []string {
	var all, unexecuted []string
	for _, c := range nb.Cells {
		if c.Type != "code" || (skip != nil && skip(c)) {
			continue
		}
		if c.ExecutionCount == nil && strings.TrimSpace(c.Source) != "" {
			unexecuted = append(unexecuted, strconv.Itoa(c.Index))
		}
		all = append(all, nb.cellProblems(c)...)
	}
	if len(unexecuted) > 0 {
		all = append(all, fmt.Sprintf("%s.ipynb: code cells %s were not executed", nb.Name, strings.Join(unexecuted, ", ")))
	}
	return all
}

// RunAllProblems says what is wrong with a learner's Run All of the
// notebook with its exercise untouched, from the outputs it left: no cell
// may show a problem (see Problems) but the exercise's %test cell at index
// test, which must be red with a failing test, not green, and not a crash
// or a failed build that tells the learner nothing about their task.
func (nb *Notebook) RunAllProblems(test int) []string {
	all := nb.Problems(func(c Cell) bool { return c.Index == test })
	if test < 0 || test >= len(nb.Cells) {
		return append(all, fmt.Sprintf("%s.ipynb: there is no cell %d to be the exercise's test", nb.Name, test))
	}
	c := nb.Cells[test]
	text := c.Text()
	passed, failed := c.TestOutcome()
	switch {
	case len(failed) == 0:
		all = append(all, fmt.Sprintf("%s: the exercise's test does not fail on the untouched stub (passed: %v): a learner would see green before doing the work\n%s", nb.Where(c), passed, tail(text, 20)))
	case strings.Contains(text, "panic: ") || strings.Contains(text, "# command-line-arguments"):
		all = append(all, fmt.Sprintf("%s: the exercise's test crashes or does not build on the stub, instead of failing with a message that helps:\n%s", nb.Where(c), tail(text, 20)))
	}
	return all
}

// cellProblems lists the problems in one cell's outputs.
func (nb *Notebook) cellProblems(c Cell) []string {
	var all []string
	for _, o := range c.Outputs {
		if o.OutputType == "error" {
			all = append(all, fmt.Sprintf("%s: error output %s: %s\n%s", nb.Where(c), o.EName, o.EValue, strings.Join(o.Traceback, "\n")))
			continue
		}
		text := o.Text + o.Data["text/plain"]
		if m := ProblemIn(text); m != "" {
			all = append(all, fmt.Sprintf("%s: output shows %q:\n%s", nb.Where(c), m, tail(text, 20)))
		}
	}
	return all
}

// TestOutcome returns the names of the tests a %test cell's outputs report
// as passed and as failed.
func (c Cell) TestOutcome() (passed, failed []string) {
	for _, l := range strings.Split(c.Text(), "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "--- PASS: "); ok {
			passed = append(passed, firstWord(rest))
		}
		if rest, ok := strings.CutPrefix(l, "--- FAIL: "); ok {
			failed = append(failed, firstWord(rest))
		}
	}
	return passed, failed
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// ansi matches a terminal escape sequence.
var ansi = regexp.MustCompile("\x1b\\[")

// machinePath matches an absolute path into a machine's own folders.
var machinePath = regexp.MustCompile(`/(tmp|root|home|usr|work|var|opt|Users|private)/[\w.-]+`)

// workshopInternals matches words about how the workshop itself is tested,
// which have no place in what a learner reads.
var workshopInternals = regexp.MustCompile(`\bCI\b|(?i:\bharness\b|\btest suite\b|\bmake test\b|\bnbconvert\b)|WORKSHOP_RUNS_DIR`)

// Leaks lists what a committed notebook must not show a learner: terminal
// colour codes, absolute paths of a machine and scripts in its outputs (a
// saved notebook never runs them: a widget's front-end code left by a run
// without a browser is dead weight), and words about how the workshop is
// tested in its cells or outputs.
func (nb *Notebook) Leaks() []string {
	var all []string
	for _, c := range nb.Cells {
		if m := workshopInternals.FindString(c.Source); m != "" {
			all = append(all, fmt.Sprintf("%s: the cell mentions %q", nb.Where(c), m))
		}
		for _, o := range c.Outputs {
			texts := []string{o.Text, o.EValue, strings.Join(o.Traceback, "\n")}
			for _, d := range o.Data {
				texts = append(texts, d)
			}
			for _, t := range texts {
				if ansi.MatchString(t) {
					all = append(all, fmt.Sprintf("%s: an output carries terminal colour codes", nb.Where(c)))
				}
				if strings.Contains(strings.ToLower(t), "<script") {
					all = append(all, fmt.Sprintf("%s: an output carries a <script>", nb.Where(c)))
				}
				if p := findMachinePath(t); p != "" {
					all = append(all, fmt.Sprintf("%s: an output shows the machine path %q", nb.Where(c), p))
				}
				if m := workshopInternals.FindString(t); m != "" {
					all = append(all, fmt.Sprintf("%s: an output mentions %q", nb.Where(c), m))
				}
			}
		}
	}
	return all
}

// findMachinePath returns the first absolute machine path in s that is not
// part of a URL or a longer word, or "".
func findMachinePath(s string) string {
	for _, loc := range machinePath.FindAllStringIndex(s, -1) {
		if loc[0] > 0 {
			prev := s[loc[0]-1]
			if prev == '.' || prev == ':' || prev == '/' || prev == '_' || prev == '-' ||
				(prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z') || (prev >= '0' && prev <= '9') {
				continue
			}
		}
		return s[loc[0]:loc[1]]
	}
	return ""
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
