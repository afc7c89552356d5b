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

	"github.com/go-async-workshop/workshop/internal/cpustat"
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
	if _, ok := cpustat.ReadMachine(); !ok {
		return errNoMachine
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

	dataDir := filepath.Join(tmp, "jupyter")
	stopServers, err := startServers(ctx, o, tmp, dataDir, installed)
	if err != nil {
		return err
	}
	defer stopServers()
	started := time.Now()
	jupyter, err := kernelclient.Start(ctx, kernelclient.Options{Jupyter: tools.Jupyter, Env: jupyterEnv(tools, dataDir, o), Root: filepath.Join(root, "notebooks")})
	if err != nil {
		return err
	}
	defer jupyter.Stop()
	jupyterStart := time.Since(started)

	b := &bench{o: o, jupyter: jupyter, dir: filepath.Join(root, "notebooks"), self: os.Getpid()}
	intro(w, o, len(names), jupyterStart)
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

// startServers starts a mock server per configuration, so that neither sees
// the other's requests in its counters, and installs each configuration's
// kernel into dataDir, pointed at its own server and its own folder of kept
// runs under tmp. stop stops the servers.
func startServers(ctx context.Context, o options, tmp, dataDir string, installed kernelSpec) (stop func(), err error) {
	var running []*mockserver.Running
	stop = func() {
		for _, srv := range running {
			_ = srv.Stop(context.WithoutCancel(ctx))
		}
	}
	cfg := mockserver.DefaultConfig()
	cfg.Addr, cfg.LatencyScale = "127.0.0.1:0", o.Scale
	for _, c := range configs {
		srv, err := mockserver.Start(cfg)
		if err != nil {
			stop()
			return nil, fmt.Errorf("starting a mock server: %w", err)
		}
		running = append(running, srv)
		env := map[string]string{
			"VIDEO_API_URL": srv.URL,
			runstore.EnvDir: filepath.Join(tmp, "runs-"+c.Name),
		}
		if err := c.install(installed, dataDir, env); err != nil {
			stop()
			return nil, fmt.Errorf("installing the %s kernel: %w", c.Name, err)
		}
	}
	return stop, nil
}

// jupyterEnv is the Jupyter server's environment: the tools' without
// GOFLAGS (a configuration's flags are its kernel's), with the benchmark's
// own kernels and the notebooks' workload.
func jupyterEnv(tools nbrun.Tools, dataDir string, o options) []string {
	env := slices.DeleteFunc(slices.Clone(tools.Env), func(kv string) bool {
		return strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "JUPYTER_DATA_DIR=")
	})
	return append(env, "JUPYTER_DATA_DIR="+dataDir,
		workload.EnvVideos+"="+strconv.Itoa(Videos),
		workload.EnvModelWork+"="+strconv.FormatFloat(workload.DefaultModelWork*o.Scale, 'g', -1, 64))
}

// intro says what the benchmark runs, before it runs it.
func intro(w io.Writer, o options, notebooks int, jupyterStart time.Duration) {
	fmt.Fprintf(w, "cellbench: %d notebooks, each in one kernel per configuration, the configurations taking turns cell by cell;\n", notebooks)
	fmt.Fprintf(w, "  %v of reading between two cells, mock servers at latency scale %g, %d videos, model work %g\n",
		o.Read, o.Scale, Videos, workload.DefaultModelWork*o.Scale)
	for _, c := range configs {
		fmt.Fprintf(w, "  %s: %s\n", c.Name, c.About)
	}
	fmt.Fprintf(w, "  the Jupyter server took %.1f s to start (once for make lab, once per attendee in a class)\n", jupyterStart.Seconds())
}
