// Command cellbench measures what a notebook cell costs: every code cell of
// every notebook, run in a GoNB kernel through a real Jupyter server at a
// class's pace, against a real mock server whose latencies are scaled down
// so that a cell's time is what GoNB and the machine add. It runs each
// notebook twice side by side, cell by cell: in the configuration the
// workshop ships ("fast") and in the one before the fast path ("before"),
// the control that keeps the ratio honest on a busy machine. It prints per
// notebook the median and 95th percentile of the latency (request to the
// kernel idle again) and the CPU time per cell (the kernel and everything it
// started: builds, cell programs, gopls), the slowest cells, the time to a
// notebook's first output, and how busy the machine was.
//
//	go run ./notebooks/cellbench                  # every notebook (about 15 minutes)
//	go run ./notebooks/cellbench -notebooks '^0[01]' -read 1s
//
// Notebook 01's slider cell waits for a person; it is not run.
// See docs/benchmarks.md for the figures and how to read them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/notebooks/kernelclient"
	"github.com/go-async-workshop/workshop/notebooks/nbrun"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/snippets/instrument/runstore"
	"github.com/go-async-workshop/workshop/snippets/tool/workload"
)

// Defaults of the benchmark.
const (
	// DefaultRead is the reading pause between two cells. The two
	// configurations take turns, so each kernel waits two pauses and the
	// other's cell between its own cells: about five seconds, the class
	// pace of the classroom benchmark.
	DefaultRead = 2 * time.Second
	// DefaultScale is the mock servers' latency scale: the lessons' waits
	// shrink fifty-fold, so a cell's time is mostly GoNB's and the machine's.
	DefaultScale = 0.02
	// Videos is WORKSHOP_VIDEOS for the notebooks (their quick mode).
	Videos = 20
	// CellTimeout bounds one cell.
	CellTimeout = 5 * time.Minute
)

func main() {
	var o options
	flag.StringVar(&o.Root, "root", ".", "the repository's root folder")
	flag.StringVar(&o.Notebooks, "notebooks", "", "run only the notebooks whose name matches this regular expression (all by default)")
	flag.DurationVar(&o.Read, "read", DefaultRead, "reading pause between two cells")
	flag.Float64Var(&o.Scale, "scale", DefaultScale, "the mock servers' latency scale")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cellbench:", err)
		os.Exit(1)
	}
}

// options are the benchmark's settings.
type options struct {
	Root      string
	Notebooks string
	Read      time.Duration
	Scale     float64
}

// validate refuses settings the benchmark cannot use.
func (o options) validate() error {
	if o.Read < 0 {
		return fmt.Errorf("-read %v: want a pause of 0 or more", o.Read)
	}
	if o.Scale < 0 || o.Scale > mockserver.MaxLatencyScale {
		return fmt.Errorf("-scale %g: want a latency scale from 0 to %g", o.Scale, mockserver.MaxLatencyScale)
	}
	if _, err := regexp.Compile(o.Notebooks); err != nil {
		return fmt.Errorf("-notebooks %q: %v", o.Notebooks, err)
	}
	return nil
}

// run sets up the two configurations and the servers, runs every notebook
// and writes the report to w.
func run(ctx context.Context, o options, w io.Writer) error {
	if err := o.validate(); err != nil {
		return err
	}
	if _, _, _, err := machineCPU(); err != nil {
		return err
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return err
	}
	names, err := notebookNames(filepath.Join(root, "notebooks"), o.Notebooks)
	if err != nil {
		return err
	}
	tools, err := nbrun.FindTools(root)
	if err != nil {
		return err
	}
	installed, err := readSpec(filepath.Join(tools.DataDir, "kernels", "gonb", "kernel.json"))
	if err != nil {
		return fmt.Errorf("the installed GoNB kernel: %w (run make setup)", err)
	}
	tmp, err := os.MkdirTemp("", "cellbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// One mock server per configuration, so that neither sees the other's
	// requests in its counters.
	cfg := mockserver.DefaultConfig()
	cfg.Addr, cfg.LatencyScale = "127.0.0.1:0", o.Scale
	dataDir := filepath.Join(tmp, "jupyter")
	for _, c := range configs {
		srv, err := mockserver.Start(cfg)
		if err != nil {
			return fmt.Errorf("starting a mock server: %w", err)
		}
		defer srv.Stop(context.WithoutCancel(ctx))
		env := map[string]string{
			"VIDEO_API_URL": srv.URL,
			runstore.EnvDir: filepath.Join(tmp, "runs-"+c.Name),
		}
		if err := c.install(installed, dataDir, env); err != nil {
			return fmt.Errorf("installing the %s kernel: %w", c.Name, err)
		}
	}

	// The Jupyter server: the tools' environment without GOFLAGS (a
	// configuration's flags are its kernel's), with the benchmark's own
	// kernels and the notebooks' workload.
	env := slices.DeleteFunc(slices.Clone(tools.Env), func(kv string) bool {
		return strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "JUPYTER_DATA_DIR=")
	})
	env = append(env, "JUPYTER_DATA_DIR="+dataDir,
		workload.EnvVideos+"="+strconv.Itoa(Videos),
		workload.EnvModelWork+"="+strconv.FormatFloat(workload.DefaultModelWork*o.Scale, 'g', -1, 64))
	started := time.Now()
	jupyter, err := kernelclient.Start(ctx, kernelclient.Options{Jupyter: tools.Jupyter, Env: env, Root: filepath.Join(root, "notebooks")})
	if err != nil {
		return err
	}
	defer jupyter.Stop()
	jupyterStart := time.Since(started)

	b := &bench{o: o, jupyter: jupyter, dir: filepath.Join(root, "notebooks"), self: os.Getpid()}
	fmt.Fprintf(w, "cellbench: %d notebooks, each in one kernel per configuration, the configurations taking turns cell by cell;\n", len(names))
	fmt.Fprintf(w, "  %v of reading between two cells, mock servers at latency scale %g, %d videos, model work %g\n",
		o.Read, o.Scale, Videos, workload.DefaultModelWork*o.Scale)
	for _, c := range configs {
		fmt.Fprintf(w, "  %s: %s\n", c.Name, c.About)
	}
	fmt.Fprintf(w, "  the Jupyter server took %.1f s to start (once for make lab, once per attendee in a class)\n", jupyterStart.Seconds())
	if err := b.startMachine(); err != nil {
		return err
	}
	for i, name := range names {
		fmt.Fprintf(w, "  running %s ...", name)
		start := time.Now()
		if err := b.runNotebook(ctx, name, i%2 == 1); err != nil {
			fmt.Fprintln(w)
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(w, " %.0f s\n", time.Since(start).Seconds())
	}
	rep, err := b.report()
	if err != nil {
		return err
	}
	rep.write(w)
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d cells did not run as the notebooks expect (listed above): the figures do not measure working cells", len(rep.Problems))
	}
	return nil
}

// notebookNames lists the notebooks in dir whose name (without .ipynb)
// matches pattern, in order.
func notebookNames(dir, pattern string) ([]string, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.ipynb"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range paths {
		if n := strings.TrimSuffix(filepath.Base(p), ".ipynb"); re.MatchString(n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no notebook in %s matches %q", dir, pattern)
	}
	return names, nil
}

// cell is a code cell the benchmark runs.
type cell struct {
	Index     int // among the notebook's cells
	FirstLine string
	Source    string
	// ExerciseTest: the exercise's %test cell, red on the untouched stub.
	ExerciseTest bool
}

// codeCells returns the notebook's non-empty code cells, without the ones
// that wait for a person (notebook 01's slider).
func codeCells(nb *ipynb.Notebook) ([]cell, error) {
	ex, err := nb.Exercise()
	if err != nil {
		return nil, err
	}
	var cells []cell
	for _, c := range nb.Cells {
		if c.Type != "code" || strings.TrimSpace(c.Source) == "" || interactive(c.Source) {
			continue
		}
		cells = append(cells, cell{Index: c.Index, FirstLine: c.FirstLine(), Source: c.Source, ExerciseTest: c.Index == ex.Test.Index})
	}
	if len(cells) == 0 {
		return nil, errors.New("no code cells")
	}
	return cells, nil
}

// interactive reports whether a cell waits for a person: a slider
// (snippets/slider) stays live until it is moved or a pause passes.
func interactive(source string) bool { return strings.Contains(source, "slider.Run(") }

// cellResult is one cell run in one configuration.
type cellResult struct {
	Notebook  string
	Index     int
	FirstLine string
	Latency   time.Duration // execute_request to the kernel idle
	// CPU is what the kernel and everything it started used from this
	// cell's request to the next cell's (the reading pause included:
	// gopls works in the background); Gopls is gopls's part of it, and
	// Program the cell's own program's (the lesson's work).
	CPU, Gopls, Program time.Duration
	// ProgramWall is how long the cell's program ran: Latency minus it is
	// what GoNB added (building it, and the messages around it).
	ProgramWall time.Duration
	Problem     string // why the cell did not run as the notebook expects, or ""
}

// startup is how a notebook started in one configuration, its cells run
// back to back (as Run All does).
type startup struct {
	Kernel      time.Duration // session asked -> the kernel answers
	Link        time.Duration // the first code cell, which links the module
	FirstCell   time.Duration // the first cell that shows something: request -> its first output
	FirstOutput time.Duration // session asked -> the notebook's first output
	CPU         time.Duration // the kernel's CPU until its first cell
}

// session is one configuration's kernel for one notebook.
type session struct {
	cfg     config
	k       *kernelclient.Kernel
	pid     int
	cells   []cellResult
	start   startup
	lastCPU time.Duration // the kernel's CPU at the last sample
	lastGo  time.Duration // gopls's
}

// bench holds what the runs measured.
type bench struct {
	o       options
	jupyter *kernelclient.Local
	dir     string // the notebooks' folder
	self    int
	results map[string][]cellResult // configuration -> every cell
	starts  map[string][]startup    // configuration -> every notebook
	order   []cellKey               // cells in the order they ran
	machine machineStart
}

// cellKey names a cell of a notebook.
type cellKey struct {
	Notebook string
	Index    int
}

// runNotebook runs one notebook in both configurations: each opens its
// kernel and runs cells back to back up to the first output (the startup a
// learner waits through), then the configurations take turns, cell by cell,
// with a reading pause before each cell. swap reverses who goes first.
func (b *bench) runNotebook(ctx context.Context, name string, swap bool) error {
	nb, err := ipynb.Read(filepath.Join(b.dir, name+".ipynb"))
	if err != nil {
		return err
	}
	cells, err := codeCells(nb)
	if err != nil {
		return err
	}
	order := slices.Clone(configs)
	if swap {
		slices.Reverse(order)
	}
	var sessions []*session
	defer func() {
		for _, s := range sessions {
			_ = s.k.Close(context.WithoutCancel(ctx))
		}
	}()
	next := make([]int, len(order)) // each session's next cell
	for i, c := range order {
		s, err := b.open(ctx, name, c)
		if err != nil {
			return err
		}
		sessions = append(sessions, s)
		for next[i] < len(cells) {
			r, err := b.execute(ctx, s, name, cells[next[i]], next[i] == 0)
			if err != nil {
				return err
			}
			if next[i] == 0 {
				s.start.Link = r.Elapsed
			}
			next[i]++
			if r.FirstOutput > 0 {
				s.start.FirstCell = r.FirstOutput
				s.start.FirstOutput = r.Started.Add(r.FirstOutput).Sub(s.k.Requested)
				break
			}
		}
	}
	for turn := 0; ; turn++ {
		ran := false
		for j := range sessions {
			i := j
			if turn%2 == 1 { // alternate who goes first
				i = len(sessions) - 1 - j
			}
			if next[i] >= len(cells) {
				continue
			}
			if err := pause(ctx, b.o.Read); err != nil {
				return err
			}
			if _, err := b.execute(ctx, sessions[i], name, cells[next[i]], next[i] == 0); err != nil {
				return err
			}
			next[i]++
			ran = true
		}
		if !ran {
			break
		}
	}
	// The last cell's CPU runs until a reading pause after it.
	if err := pause(ctx, b.o.Read); err != nil {
		return err
	}
	for _, s := range sessions {
		if err := b.sample(s); err != nil {
			return err
		}
		b.results = addTo(b.results, s.cfg.Name, s.cells)
		b.starts = addTo(b.starts, s.cfg.Name, []startup{s.start})
	}
	for _, c := range cells {
		b.order = append(b.order, cellKey{name, c.Index})
	}
	return nil
}

// addTo appends vs to m[k], making m if needed.
func addTo[V any](m map[string][]V, k string, vs []V) map[string][]V {
	if m == nil {
		m = map[string][]V{}
	}
	m[k] = append(m[k], vs...)
	return m
}

// open starts the configuration's kernel for the notebook and finds its
// process. Each configuration's session has a path of its own beside the
// notebook (the server keeps one session per path), so that its kernel
// runs in the notebooks' folder as the notebook's would.
func (b *bench) open(ctx context.Context, name string, c config) (*session, error) {
	k, err := b.jupyter.Open(ctx, name+"."+c.Name+".ipynb", c.kernelName())
	if err != nil {
		return nil, err
	}
	s := &session{cfg: c, k: k}
	s.start.Kernel = k.Ready.Sub(k.Requested)
	if s.pid, err = findProcess(b.jupyter.ConnectionFile(k.ID)); err != nil {
		_ = k.Close(ctx)
		return nil, fmt.Errorf("the %s kernel's process: %w", c.Name, err)
	}
	if err := b.sample(s); err != nil {
		_ = k.Close(ctx)
		return nil, err
	}
	s.start.CPU = s.lastCPU
	return s, nil
}

// sample reads the kernel's CPU so far and charges what it used since the
// last sample to the last cell run.
func (b *bench) sample(s *session) error {
	all, err := processes()
	if err != nil {
		return err
	}
	total, gopls := treeCPU(all, s.pid, "gopls")
	if n := len(s.cells); n > 0 {
		s.cells[n-1].CPU += total - s.lastCPU
		s.cells[n-1].Gopls += gopls - s.lastGo
	}
	s.lastCPU, s.lastGo = total, gopls
	return nil
}

// execute runs one cell in the session and records it. The notebook's
// first code cell (first) links the kernel's module to the workshop: a
// configuration may have its own.
func (b *bench) execute(ctx context.Context, s *session, notebook string, c cell, first bool) (kernelclient.Run, error) {
	if err := b.sample(s); err != nil {
		return kernelclient.Run{}, err
	}
	code := c.Source
	if first && s.cfg.LinkCell != "" {
		code = s.cfg.LinkCell
	}
	cctx, cancel := context.WithTimeout(ctx, CellTimeout)
	defer cancel()
	stop := make(chan struct{})
	program := make(chan programUse)
	go watchProgram(s.pid, stop, program)
	r, err := s.k.Execute(cctx, code)
	close(stop)
	prog := <-program
	if err != nil {
		return r, fmt.Errorf("%s kernel, cell %d (%q): %w", s.cfg.Name, c.Index, c.FirstLine, err)
	}
	s.cells = append(s.cells, cellResult{Notebook: notebook, Index: c.Index, FirstLine: c.FirstLine,
		Latency: r.Elapsed, Program: prog.CPU, ProgramWall: min(prog.Wall, r.Elapsed), Problem: problem(c, r)})
	return r, nil
}

// programUse is what a cell's programs used: CPU time, and the wall time
// from the first to the last moment one was seen running.
type programUse struct{ CPU, Wall time.Duration }

// ProgramPoll is how often watchProgram looks at the cell's program.
const ProgramPoll = 10 * time.Millisecond

// watchProgram follows the cell's programs (GoNB names a cell's binary
// gonb_ID, a child of the kernel) until stop is closed, then sends what
// they used: the lesson's own work, the same in every configuration. Both
// figures are good to about ProgramPoll.
func watchProgram(kernel int, stop <-chan struct{}, total chan<- programUse) {
	seen := map[int]time.Duration{}
	var first, last time.Time
	tick := time.NewTicker(ProgramPoll)
	defer tick.Stop()
	for {
		now := time.Now()
		for pid, cpu := range childrenCPU(kernel, "gonb_") {
			seen[pid] = max(seen[pid], cpu)
			if first.IsZero() {
				first = now
			}
			last = now
		}
		select {
		case <-stop:
			var u programUse
			for _, cpu := range seen {
				u.CPU += cpu
			}
			if !first.IsZero() {
				u.Wall = last.Sub(first) + ProgramPoll
			}
			total <- u
			return
		case <-tick.C:
		}
	}
}

// problem says why a cell did not run as the notebook expects, or "": the
// exercise's test must fail on the untouched stub, every other cell must
// succeed and print no panic, crash or failed build.
func problem(c cell, r kernelclient.Run) string {
	text := r.Text()
	for _, o := range r.Outputs {
		text += string(o.Data["text/html"])
	}
	if c.ExerciseTest {
		if !strings.Contains(text, "--- FAIL") {
			return fmt.Sprintf("the exercise's test shows no failing test on the untouched stub (status %s): %.300s", r.Status, text)
		}
		return ""
	}
	if r.Status != "ok" {
		return fmt.Sprintf("status %s: %.500s", r.Status, text)
	}
	if m := ipynb.ProblemIn(r.Text()); m != "" {
		return fmt.Sprintf("output shows %q: %.500s", m, r.Text())
	}
	return ""
}

// pause waits d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
