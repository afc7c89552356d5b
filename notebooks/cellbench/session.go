package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/notebooks/kernelclient"
)

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
		if next[i], err = b.startUp(ctx, s, name, cells); err != nil {
			return err
		}
	}
	if err := b.takeTurns(ctx, sessions, next, name, cells); err != nil {
		return err
	}
	return b.finish(ctx, sessions, name, cells)
}

// startUp runs the session's cells back to back up to the first that shows
// an output, the startup a learner waits through, and returns the index of
// the next cell.
func (b *bench) startUp(ctx context.Context, s *session, name string, cells []cell) (int, error) {
	next := 0
	for next < len(cells) {
		r, err := b.execute(ctx, s, name, cells[next], next == 0)
		if err != nil {
			return next, err
		}
		if next == 0 {
			s.start.Link = r.Elapsed
		}
		next++
		if r.FirstOutput > 0 {
			s.start.FirstCell = r.FirstOutput
			s.start.FirstOutput = r.Started.Add(r.FirstOutput).Sub(s.k.Requested)
			break
		}
	}
	return next, nil
}

// takeTurns runs the rest of the cells, next[i] onwards in sessions[i], the
// sessions taking turns cell by cell (who goes first alternates), with a
// reading pause before each cell.
func (b *bench) takeTurns(ctx context.Context, sessions []*session, next []int, name string, cells []cell) error {
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
			return nil
		}
	}
}

// finish charges the last cells their CPU, which runs on until a reading
// pause after them, and records the notebook's results.
func (b *bench) finish(ctx context.Context, sessions []*session, name string, cells []cell) error {
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
