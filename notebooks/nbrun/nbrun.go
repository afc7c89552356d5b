// Package nbrun executes the workshop's notebooks the way a learner's Run
// All does: top to bottom, in a fresh GoNB kernel started by a real Jupyter,
// against a mock server. It also holds the settings the workshop's own
// checks run the notebooks with, shared by every check that runs them.
package nbrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/snippets/tool/workload"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// Settings size a run of the notebooks.
type Settings struct {
	// LatencyScale is the mock server's latency scale.
	LatencyScale float64
	// Videos is WORKSHOP_VIDEOS: how many videos the notebooks work on.
	Videos int
	// ModelWork is WORKSHOP_MODEL_WORK: the content-warnings model's cost.
	ModelWork float64
	// CellTimeout bounds one cell's execution.
	CellTimeout time.Duration
}

// checkScale is how much shorter the checks make every wait: short enough to
// run every notebook in minutes, long enough that a request's few
// milliseconds of noise on a busy machine do not blur the lessons' ratios.
const checkScale = 0.2

// Check is the quick setting of the workshop's automated checks: every wait
// five times shorter, and the model's work shrunk by the same factor so that
// waiting and computing keep their proportions (and every lesson its
// ratios), on 20 videos.
var Check = Settings{
	LatencyScale: checkScale,
	Videos:       20,
	ModelWork:    workload.DefaultModelWork * checkScale,
	CellTimeout:  5 * time.Minute,
}

// Workshop is what a learner runs: the talk's latencies and the workshop's
// defaults. Committed notebook outputs come from a run with it.
var Workshop = Settings{
	LatencyScale: 1,
	Videos:       workload.DefaultVideos,
	ModelWork:    workload.DefaultModelWork,
	CellTimeout:  20 * time.Minute,
}

// Quick is the learner's quick mode: the talk's latencies on 20 videos
// (what `%env WORKSHOP_VIDEOS=20` in a notebook's first cells gives).
var Quick = Settings{
	LatencyScale: 1,
	Videos:       20,
	ModelWork:    workload.DefaultModelWork,
	CellTimeout:  10 * time.Minute,
}

// Env returns the environment variables the notebooks read for these
// settings, for a server at serverURL.
func (s Settings) Env(serverURL string) []string {
	return []string{
		videoapi.EnvBaseURL + "=" + serverURL,
		workload.EnvVideos + "=" + strconv.Itoa(s.Videos),
		workload.EnvModelWork + "=" + strconv.FormatFloat(s.ModelWork, 'g', -1, 64),
	}
}

// Validate reports settings no run can use.
func (s Settings) Validate() error {
	if s.Videos < 1 || s.ModelWork < 0 || s.LatencyScale < 0 || s.CellTimeout <= 0 {
		return fmt.Errorf("nbrun: settings %+v: want at least 1 video, model work and latency scale of 0 or more, a positive cell timeout", s)
	}
	return nil
}

// Tools are the programs a run needs, found in the repository's .venv and
// .bin (where `make setup` installs them) or on PATH.
type Tools struct {
	// Root is the repository's root folder.
	Root string
	// Jupyter is the path of the jupyter command.
	Jupyter string
	// Env is the environment for Jupyter: the caller's, with .bin and
	// .venv/bin first on PATH and JUPYTER_DATA_DIR defaulting to .jupyter.
	Env []string
	// DataDir is that JUPYTER_DATA_DIR, which holds the GoNB kernel.
	DataDir string
}

// setupHint says how to get the tools.
const setupHint = "run `make setup` in the repository root: it installs JupyterLab into .venv/, gonb, goimports and gopls into .bin/ and the GoNB kernel into .jupyter/"

// FindTools finds jupyter, the Go tools GoNB needs and the GoNB kernel for
// the repository at root, or says what is missing and how to install it.
func FindTools(root string) (Tools, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return Tools{}, err
	}
	path := os.Getenv("PATH")
	for _, dir := range []string{filepath.Join(root, ".venv", "bin"), filepath.Join(root, ".bin")} {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			path = dir + string(os.PathListSeparator) + path
		}
	}
	dataDir := os.Getenv("JUPYTER_DATA_DIR")
	if dataDir == "" {
		dataDir = filepath.Join(root, ".jupyter")
	}
	t := Tools{Root: root, Env: append(os.Environ(), "PATH="+path, "JUPYTER_DATA_DIR="+dataDir), DataDir: dataDir}
	if t.Jupyter, err = lookPath("jupyter", path); err != nil {
		return t, fmt.Errorf("jupyter not found: %s", setupHint)
	}
	for _, tool := range []string{"go", "goimports", "gopls", "gonb"} {
		if _, err := lookPath(tool, path); err != nil {
			return t, fmt.Errorf("%s not found (the GoNB kernel needs it): %s", tool, setupHint)
		}
	}
	cmd := exec.Command(t.Jupyter, "kernelspec", "list", "--json")
	cmd.Env = t.Env
	out, err := cmd.Output()
	if err != nil {
		return t, fmt.Errorf("`jupyter kernelspec list` failed (%w): %s", err, setupHint)
	}
	var specs struct {
		Kernelspecs map[string]json.RawMessage `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		return t, fmt.Errorf("cannot read `jupyter kernelspec list --json`: %w", err)
	}
	raw, ok := specs.Kernelspecs["gonb"]
	if !ok {
		return t, fmt.Errorf("the GoNB kernel (gonb) is not installed in JUPYTER_DATA_DIR=%s: %s", dataDir, setupHint)
	}
	// The notebooks turn GoNB's go get off and leave fetching modules to
	// the build, which the kernel's GOFLAGS allow (scripts/gonb_kernel.py).
	var gonb struct {
		Spec struct {
			Env map[string]string `json:"env"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(raw, &gonb); err != nil {
		return t, fmt.Errorf("cannot read the GoNB kernel's spec: %v", err)
	}
	if !slices.Contains(strings.Fields(gonb.Spec.Env["GOFLAGS"]), "-mod=mod") {
		return t, fmt.Errorf("the GoNB kernel in JUPYTER_DATA_DIR=%s was not installed with the workshop's settings (GOFLAGS=%q; scripts/gonb_kernel.py): %s", dataDir, gonb.Spec.Env["GOFLAGS"], setupHint)
	}
	return t, nil
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

// Execute runs the notebook at path top to bottom in a fresh GoNB kernel,
// with env added to the tools' environment, and returns the executed
// notebook. Errors inside cells do not stop the run (a learner's Run All
// goes on too); they are in the outputs. Consecutive stream outputs of a
// cell are merged and their carriage returns applied, as a browser shows
// them (a progress bar becomes its last state). The executed file is
// written into outDir.
func Execute(ctx context.Context, t Tools, path, outDir string, env []string, cellTimeout time.Duration) (*ipynb.Notebook, error) {
	name := strings.TrimSuffix(filepath.Base(path), ".ipynb")
	runDir, err := os.MkdirTemp(outDir, "run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(runDir)
	// The kernel builds cells with the flags its kernel.json sets
	// (scripts/gonb_kernel.py), as a learner's does.
	fullEnv := append(append([]string{}, t.Env...), env...)

	cmd := exec.CommandContext(ctx, t.Jupyter, "nbconvert",
		"--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.kernel_name=gonb",
		"--ExecutePreprocessor.timeout="+strconv.Itoa(int(cellTimeout.Seconds())),
		"--ExecutePreprocessor.record_timing=False",
		"--output-dir", runDir,
		path,
	)
	cmd.Dir = filepath.Dir(path)
	cmd.Env = fullEnv
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("jupyter nbconvert --execute %s failed: %w\n%s", filepath.Base(path), withCause(ctx, err), tail(stderr.String(), 40))
	}
	run, err := ipynb.Read(filepath.Join(runDir, name+".ipynb"))
	if err != nil {
		return nil, errors.Join(err, errors.New(tail(stderr.String(), 40)))
	}
	nb, err := run.CoalesceStreams()
	if err != nil {
		return nil, err
	}
	raw, err := nb.Marshal()
	if err == nil {
		err = os.WriteFile(filepath.Join(outDir, name+".ipynb"), raw, 0o644)
	}
	if err != nil {
		return nil, err
	}
	return nb, nil
}

// withCause adds why ctx ended to err, the error of a command ctx stopped
// (which says only "signal: killed"), so that a caller can tell a deadline
// with errors.Is(err, context.DeadlineExceeded).
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return fmt.Errorf("%w (%w)", cause, err)
	}
	return err
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
