// Package notebooks holds the workshop's GoNB notebooks and the harness that
// executes every one of them, top to bottom, in a fresh Jupyter kernel against
// the real mock server, then checks what each notebook printed.
//
// The fast layer (go test -short) checks the notebooks' structure and the
// harness itself, without Jupyter. The full layer needs Jupyter and the GoNB
// kernel (make setup) and runs:
//
//	go test ./notebooks -run TestNotebooks -v
//	go test ./notebooks -run 'TestNotebooks/01' -v             # one notebook
//	go test ./notebooks -run 'TestNotebooks/(00|01)' -args -update  # rewrite outputs
package notebooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

// Settings of a CI run (small and quick) and of an -update run (the workshop's
// own values, so that committed outputs show what a learner sees).
const (
	// CILatencyScale keeps every lesson's ratio (100 unlimited calls vs 10 at a
	// time, sequential vs concurrent) clearly visible while cutting waits 10x.
	CILatencyScale = 0.1
	// CIVideos is WORKSHOP_VIDEOS for the content-warnings notebooks in CI.
	CIVideos = 20
	// CIModelWork is WORKSHOP_MODEL_WORK (SHA-512 passes over 100 MB) in CI.
	CIModelWork = 1
	// WorkshopLatencyScale, WorkshopVideos and WorkshopModelWork are the
	// workshop defaults used by -update.
	WorkshopLatencyScale = 1.0
	WorkshopVideos       = 100
	WorkshopModelWork    = 10
	// CICellTimeout and UpdateCellTimeout bound one cell's execution.
	CICellTimeout     = 5 * time.Minute
	UpdateCellTimeout = 20 * time.Minute
)

var (
	flagUpdate       = flag.Bool("update", false, "write the executed notebooks (with outputs) back into notebooks/; defaults switch to full latency and workshop values")
	flagLatencyScale = flag.Float64("latency-scale", -1, fmt.Sprintf("server latency scale (default %g, or %g with -update)", CILatencyScale, WorkshopLatencyScale))
	flagVideos       = flag.Int("videos", -1, fmt.Sprintf("WORKSHOP_VIDEOS given to the notebooks (default %d, or %d with -update)", CIVideos, WorkshopVideos))
	flagModelWork    = flag.Int("model-work", -1, fmt.Sprintf("WORKSHOP_MODEL_WORK given to the notebooks (default %d, or %d with -update)", CIModelWork, WorkshopModelWork))
	flagCellTimeout  = flag.Duration("cell-timeout", 0, fmt.Sprintf("timeout of one cell (default %v, or %v with -update)", CICellTimeout, UpdateCellTimeout))
	flagKeep         = flag.String("keep", "", "directory to copy every executed notebook into (for inspection); failed runs are always kept under ../artifacts/notebooks")
)

// checks maps a notebook's base name (without .ipynb) to the assertions run on
// its executed form. Every notebook in this folder must have one; files add
// theirs in init functions.
var checks = map[string]func(t *testing.T, nb *Executed){}

// register adds a notebook's check, refusing duplicates.
func register(name string, check func(t *testing.T, nb *Executed)) {
	if _, dup := checks[name]; dup {
		panic("notebooks: check registered twice for " + name)
	}
	checks[name] = check
}

// settings are the knobs of one harness run.
type settings struct {
	latencyScale float64
	videos       int
	modelWork    int
	cellTimeout  time.Duration
}

// currentSettings resolves the flags against the mode's defaults.
func currentSettings() settings {
	s := settings{CILatencyScale, CIVideos, CIModelWork, CICellTimeout}
	if *flagUpdate {
		s = settings{WorkshopLatencyScale, WorkshopVideos, WorkshopModelWork, UpdateCellTimeout}
	}
	if *flagLatencyScale >= 0 {
		s.latencyScale = *flagLatencyScale
	}
	if *flagVideos >= 0 {
		s.videos = *flagVideos
	}
	if *flagModelWork >= 0 {
		s.modelWork = *flagModelWork
	}
	if *flagCellTimeout > 0 {
		s.cellTimeout = *flagCellTimeout
	}
	return s
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
			t.Errorf("notebook %s.ipynb has no registered check: add register(%q, func(t *testing.T, nb *Executed){...}) in an init function of a notebooks/*_test.go file", n, n)
		}
	}
	for n := range checks {
		if !slices.Contains(names, n) {
			t.Errorf("a check is registered for %s but notebooks/%s.ipynb does not exist", n, n)
		}
	}
}

// TestNotebooks executes every notebook in a fresh GoNB kernel through
// `jupyter nbconvert --execute` against the in-process mock server, fails on
// any error output, then runs the notebook's registered check.
func TestNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("notebook execution needs Jupyter and the GoNB kernel; skipped in -short (the fast layer)")
	}
	s := currentSettings()
	if s.videos < 1 || s.modelWork < 0 {
		t.Fatalf("-videos must be at least 1 and -model-work at least 0 (got %d and %d)", s.videos, s.modelWork)
	}
	jupyter, env := jupyterEnv(t)

	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = s.latencyScale
	// The outputs an -update run commits show the server's address, so it
	// serves where a learner's does; a CI run takes any free port.
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
	t.Logf("server %s latency-scale=%g videos=%d model-work=%d update=%v", srv.URL, s.latencyScale, s.videos, s.modelWork, *flagUpdate)

	env = append(env,
		"GOFLAGS="+buildFlags(os.Getenv("GOFLAGS")),
		"VIDEO_API_URL="+srv.URL,
		"WORKSHOP_VIDEOS="+strconv.Itoa(s.videos),
		"WORKSHOP_MODEL_WORK="+strconv.Itoa(s.modelWork),
	)

	var times []string
	for _, name := range notebookNames(t) {
		t.Run(name, func(t *testing.T) {
			check := checks[name]
			if check == nil {
				t.Fatalf("notebook %s.ipynb has no registered check (see TestEveryNotebookHasACheck)", name)
			}
			start := time.Now()
			nb := execute(t, jupyter, name, env, s.cellTimeout)
			took := time.Since(start)
			times = append(times, fmt.Sprintf("%s %.1fs", name, took.Seconds()))
			t.Logf("executed %s in %.1fs", name, took.Seconds())
			nb.failOnErrors(t)
			if t.Failed() {
				keep(t, nb, filepath.Join("..", "artifacts", "notebooks"))
				return
			}
			check(t, nb)
			if t.Failed() {
				keep(t, nb, filepath.Join("..", "artifacts", "notebooks"))
				return
			}
			if *flagKeep != "" {
				keep(t, nb, *flagKeep)
			}
			if *flagUpdate {
				if err := os.WriteFile(name+".ipynb", nb.raw, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("updated %s.ipynb with the outputs of this run", name)
			}
		})
	}
	t.Logf("notebook times: %s", strings.Join(times, ", "))
}

// buildFlags adds -ldflags=-w (no debug information) to the GOFLAGS every
// cell's `go build` sees: linking each cell is a third faster, and nothing in
// a notebook needs a debugger.
func buildFlags(goflags string) string {
	if strings.Contains(goflags, "-ldflags") {
		return goflags
	}
	return strings.TrimSpace(goflags + " -ldflags=-w")
}

// jupyterEnv returns the path of jupyter and the environment for nbconvert:
// the caller's, with the repository's .venv/bin and .bin put on PATH and
// JUPYTER_DATA_DIR defaulted to .jupyter (as the Makefile does). It fails the
// test with instructions if jupyter or the GoNB kernel cannot be found.
func jupyterEnv(t *testing.T) (jupyter string, env []string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	path := os.Getenv("PATH")
	for _, dir := range []string{filepath.Join(root, ".bin"), filepath.Join(root, ".venv", "bin")} {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			path = dir + string(os.PathListSeparator) + path
		}
	}
	dataDir := os.Getenv("JUPYTER_DATA_DIR")
	if dataDir == "" {
		dataDir = filepath.Join(root, ".jupyter")
	}
	env = append(os.Environ(), "PATH="+path, "JUPYTER_DATA_DIR="+dataDir)
	const setup = "run `make setup` in the repository root: it installs JupyterLab into .venv/, gonb and goimports into .bin/ and the GoNB kernel into .jupyter/ (the Makefile puts .venv/bin and .bin on PATH and sets JUPYTER_DATA_DIR=.jupyter)"

	jupyter, err = lookPath("jupyter", path)
	if err != nil {
		t.Fatalf("jupyter not found on PATH: %s", setup)
	}
	for _, tool := range []string{"go", "goimports"} {
		if _, err := lookPath(tool, path); err != nil {
			t.Fatalf("%s not found on PATH (the GoNB kernel needs it): %s", tool, setup)
		}
	}
	cmd := exec.Command(jupyter, "kernelspec", "list", "--json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("`jupyter kernelspec list` failed (%v): %s", err, setup)
	}
	var specs struct {
		Kernelspecs map[string]json.RawMessage `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		t.Fatalf("cannot read `jupyter kernelspec list --json`: %v", err)
	}
	if _, ok := specs.Kernelspecs["gonb"]; !ok {
		t.Fatalf("the GoNB kernel (gonb) is not installed in JUPYTER_DATA_DIR=%s: %s", dataDir, setup)
	}
	return jupyter, env
}

// lookPath finds an executable in the given PATH value.
func lookPath(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// execute runs one notebook with nbconvert in a fresh kernel and returns the
// executed notebook. Errors inside cells do not stop the run (--allow-errors):
// they are reported afterwards with the cell that raised them.
func execute(t *testing.T, jupyter, name string, env []string, cellTimeout time.Duration) *Executed {
	t.Helper()
	outDir := t.TempDir()
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-10*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, jupyter, "nbconvert",
		"--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.kernel_name=gonb",
		"--ExecutePreprocessor.timeout="+strconv.Itoa(int(cellTimeout.Seconds())),
		"--ExecutePreprocessor.record_timing=False",
		"--output-dir", outDir,
		name+".ipynb",
	)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("jupyter nbconvert --execute %s.ipynb failed: %v\n%s", name, err, tail(stderr.String(), 40))
	}
	// Merge each cell's consecutive stream outputs and apply their carriage
	// returns, as a browser shows them: a progress bar becomes its last state.
	tidyDir := t.TempDir()
	cmd = exec.CommandContext(ctx, jupyter, "nbconvert", "--to", "notebook",
		"--CoalesceStreamsPreprocessor.enabled=True",
		"--output-dir", tidyDir, filepath.Join(outDir, name+".ipynb"))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("jupyter nbconvert (coalescing streams of %s.ipynb) failed: %v\n%s", name, err, tail(string(out), 20))
	}
	raw, err := os.ReadFile(filepath.Join(tidyDir, name+".ipynb"))
	if err != nil {
		t.Fatalf("executed notebook not written: %v\n%s", err, tail(stderr.String(), 40))
	}
	nb, err := parseNotebook(name, raw)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// keep copies the executed notebook into dir so it can be opened after the run.
func keep(t *testing.T, nb *Executed, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("cannot keep executed notebook: %v", err)
		return
	}
	p := filepath.Join(dir, nb.Name+".ipynb")
	if err := os.WriteFile(p, nb.raw, 0o644); err != nil {
		t.Logf("cannot keep executed notebook: %v", err)
		return
	}
	abs, _ := filepath.Abs(p)
	t.Logf("executed notebook kept at %s", abs)
}

// Executed is a notebook after execution: its cells with their outputs.
type Executed struct {
	Name  string // base name without .ipynb
	Cells []Cell
	raw   []byte
}

// Cell is one cell of an executed notebook.
type Cell struct {
	Index          int // 0-based position in the notebook
	Type           string
	Source         string
	ExecutionCount *int
	Outputs        []Output
	Hidden         bool // source collapsed in JupyterLab (metadata.jupyter.source_hidden)
}

// Output is one output of a code cell.
type Output struct {
	OutputType string            // stream, display_data, execute_result, error
	Name       string            // stdout or stderr for streams
	Text       string            // stream text
	Data       map[string]string // MIME type -> content (display data)
	EName      string
	EValue     string
	Traceback  []string
}

// FirstLine returns the cell's first non-empty source line, to name it.
func (c Cell) FirstLine() string {
	for _, l := range strings.Split(c.Source, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "(empty)"
}

// Text returns every stream and text/plain output of the notebook, joined.
func (nb *Executed) Text() string {
	var b strings.Builder
	for _, c := range nb.Cells {
		b.WriteString(c.Text())
	}
	return b.String()
}

// Text returns the cell's stream and text/plain outputs, joined.
func (c Cell) Text() string {
	var b strings.Builder
	for _, o := range c.Outputs {
		switch {
		case o.OutputType == "stream":
			b.WriteString(o.Text)
		case o.Data["text/plain"] != "":
			b.WriteString(o.Data["text/plain"])
			b.WriteString("\n")
		}
	}
	return b.String()
}

// CellPrinting returns the first code cell whose text outputs contain s, or
// nil if none does.
func (nb *Executed) CellPrinting(s string) *Cell {
	for i := range nb.Cells {
		if strings.Contains(nb.Cells[i].Text(), s) {
			return &nb.Cells[i]
		}
	}
	return nil
}

// Displays counts the outputs carrying the given MIME type (e.g. "image/png",
// "image/svg+xml", "text/html").
func (nb *Executed) Displays(mime string) int {
	n := 0
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if _, ok := o.Data[mime]; ok {
				n++
			}
		}
	}
	return n
}

// DisplayData returns the contents of every output with the given MIME type.
func (nb *Executed) DisplayData(mime string) []string {
	var all []string
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if d, ok := o.Data[mime]; ok {
				all = append(all, d)
			}
		}
	}
	return all
}

// lines splits printed text into lines, treating the carriage returns of
// redrawn progress bars as line breaks too.
func lines(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' })
}

// parseFields parses "k=v k=v" into a map; words without "=" are ignored.
func parseFields(s string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}

// Results parses every printed line "result: <name> k=v k=v ..." into
// name -> fields. A later line with the same name replaces an earlier one.
func (nb *Executed) Results() map[string]map[string]string {
	res := map[string]map[string]string{}
	for _, l := range lines(nb.Text()) {
		l = strings.TrimSpace(l)
		rest, ok := strings.CutPrefix(l, "result:")
		if !ok {
			continue
		}
		name, fields, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if name == "" {
			continue
		}
		res[name] = parseFields(fields)
	}
	return res
}

// Summaries parses every printed line "summary: k=v k=v ...", in order.
func (nb *Executed) Summaries() []map[string]string {
	var all []map[string]string
	for _, l := range lines(nb.Text()) {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "summary:"); ok {
			all = append(all, parseFields(rest))
		}
	}
	return all
}

// Number reads field key of result name as a number, ignoring a unit suffix
// such as "s" or "x"; it fails the test if the result or field is missing.
func (nb *Executed) Number(t *testing.T, name, key string) float64 {
	t.Helper()
	r, ok := nb.Results()[name]
	if !ok {
		t.Fatalf("%s: no line `result: %s ...` printed", nb.Name, name)
	}
	v, ok := r[key]
	if !ok {
		t.Fatalf("%s: `result: %s` has no field %s= (fields: %v)", nb.Name, name, key, r)
	}
	f, err := parseNumber(v)
	if err != nil {
		t.Fatalf("%s: result %s %s=%q is not a number: %v", nb.Name, name, key, v, err)
	}
	return f
}

// RequirePass fails unless the notebook printed "--- PASS: <test>" (the
// output of a %test cell).
func (nb *Executed) RequirePass(t *testing.T, test string) {
	t.Helper()
	if !strings.Contains(nb.Text(), "--- PASS: "+test+" ") {
		t.Errorf("%s: no `--- PASS: %s` in the outputs: the %%test cell did not pass", nb.Name, test)
	}
}

// RequireText fails unless the notebook's text outputs contain s.
func (nb *Executed) RequireText(t *testing.T, s string) {
	t.Helper()
	if !strings.Contains(nb.Text(), s) {
		t.Errorf("%s: the outputs do not contain %q", nb.Name, s)
	}
}

// parseNumber parses "1.23", "1.23s", "4.5x" or "12ms".
func parseNumber(v string) (float64, error) {
	if d, err := time.ParseDuration(v); err == nil && strings.ContainsAny(v, "smhµun") {
		return d.Seconds(), nil
	}
	return strconv.ParseFloat(strings.TrimRight(v, "x%"), 64)
}

// problemLine matches printed text that means a cell went wrong even when
// the kernel did not report an error: a panic, a runtime crash, a failed
// build or test. Output that only shows such text as a lesson indents or
// quotes it so that it does not start a line.
var problemLine = regexp.MustCompile(`(?m)^(panic: |fatal error: |--- FAIL|FAIL\s|# command-line-arguments)|failed to run`)

// failOnErrors reports every problem found by problems.
func (nb *Executed) failOnErrors(t *testing.T) {
	t.Helper()
	for _, p := range nb.problems() {
		t.Error(p)
	}
}

// problems lists every error output, every output showing a panic or a
// failed build or test, and every code cell that was not executed, naming
// the notebook, the cell index and its first source line.
func (nb *Executed) problems() []string {
	var all, unexecuted []string
	for _, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		where := fmt.Sprintf("%s.ipynb cell %d (%q)", nb.Name, c.Index, c.FirstLine())
		if c.ExecutionCount == nil && strings.TrimSpace(c.Source) != "" {
			unexecuted = append(unexecuted, strconv.Itoa(c.Index))
		}
		for _, o := range c.Outputs {
			if o.OutputType == "error" {
				all = append(all, fmt.Sprintf("%s: error output %s: %s\n%s", where, o.EName, o.EValue, strings.Join(o.Traceback, "\n")))
				continue
			}
			text := o.Text + o.Data["text/plain"]
			if m := problemLine.FindString(text); m != "" {
				all = append(all, fmt.Sprintf("%s: output shows %q:\n%s", where, strings.TrimSpace(m), tail(text, 20)))
			}
		}
	}
	if len(unexecuted) > 0 {
		all = append(all, fmt.Sprintf("%s.ipynb: code cells %s were not executed", nb.Name, strings.Join(unexecuted, ", ")))
	}
	return all
}

// parseNotebook reads an .ipynb (nbformat 4) into an Executed.
func parseNotebook(name string, raw []byte) (*Executed, error) {
	var doc struct {
		Cells []struct {
			CellType       string          `json:"cell_type"`
			Source         json.RawMessage `json:"source"`
			ExecutionCount *int            `json:"execution_count"`
			Metadata       struct {
				Jupyter struct {
					SourceHidden bool `json:"source_hidden"`
				} `json:"jupyter"`
			} `json:"metadata"`
			Outputs []struct {
				OutputType string                     `json:"output_type"`
				Name       string                     `json:"name"`
				Text       json.RawMessage            `json:"text"`
				Data       map[string]json.RawMessage `json:"data"`
				EName      string                     `json:"ename"`
				EValue     string                     `json:"evalue"`
				Traceback  []string                   `json:"traceback"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s.ipynb is not a valid notebook: %w", name, err)
	}
	nb := &Executed{Name: name, raw: raw}
	for i, c := range doc.Cells {
		src, err := multiline(c.Source)
		if err != nil {
			return nil, fmt.Errorf("%s.ipynb cell %d source: %w", name, i, err)
		}
		cell := Cell{Index: i, Type: c.CellType, Source: src, ExecutionCount: c.ExecutionCount, Hidden: c.Metadata.Jupyter.SourceHidden}
		for _, o := range c.Outputs {
			out := Output{OutputType: o.OutputType, Name: o.Name, EName: o.EName, EValue: o.EValue, Traceback: o.Traceback}
			if out.Text, err = multiline(o.Text); err != nil {
				return nil, fmt.Errorf("%s.ipynb cell %d output text: %w", name, i, err)
			}
			if len(o.Data) > 0 {
				out.Data = map[string]string{}
				for mime, v := range o.Data {
					if out.Data[mime], err = multiline(v); err != nil {
						// JSON outputs (application/json) are objects: keep them raw.
						out.Data[mime] = string(v)
					}
				}
			}
			cell.Outputs = append(cell.Outputs, out)
		}
		nb.Cells = append(nb.Cells, cell)
	}
	return nb, nil
}

// multiline decodes nbformat's "string or list of strings".
func multiline(v json.RawMessage) (string, error) {
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s, nil
	}
	var parts []string
	if err := json.Unmarshal(v, &parts); err != nil {
		return "", errors.New("neither a string nor a list of strings")
	}
	return strings.Join(parts, ""), nil
}
