// Package browsercheck checks the workshop the way a learner meets it: in a
// real browser, JupyterLab opens a notebook with the GoNB kernel and runs
// every cell without an error.
//
// The test starts the mock server in-process, JupyterLab on a free loopback
// port with a random token, and Debian's Chromium headless (driven with rod;
// never a downloaded browser). The notebook runs in a temporary copy of the
// module, so the committed file is never changed. A screenshot of the run
// notebook is saved to artifacts/browsercheck/ and JupyterLab's log beside it.
//
// It is skipped with -short. Otherwise it needs `make setup` (JupyterLab in
// .venv/, the GoNB kernel in .jupyter/) and Chromium at /usr/bin/chromium, and
// fails saying which one is missing.
//
//	go test ./notebooks/browsercheck -v
//	go test ./notebooks/browsercheck -v -args -notebook=02_some_other.ipynb
package browsercheck

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/internal/chromium"
	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/notebooks/nbrun"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

// What is checked, and how.
const (
	// DefaultNotebook is the notebook opened, relative to notebooks/.
	DefaultNotebook = "01_snippets_from_the_slides.ipynb"
	// KernelDisplayName is the kernel JupyterLab must show for it.
	KernelDisplayName = "Go (gonb)"
	// Bounds of every wait.
	JupyterStartTimeout = 5 * time.Minute
	BrowserStartTimeout = 3 * time.Minute
	PageLoadTimeout     = 2 * time.Minute
	KernelReadyTimeout  = 2 * time.Minute
	MenuTimeout         = 30 * time.Second
	RunTimeout          = 8 * time.Minute
	ShutdownTimeout     = 30 * time.Second
	// EvalTimeout bounds one script run in the page (reading its state,
	// moving the slider): milliseconds on a quiet machine, seconds while a
	// busy one runs JupyterLab, a kernel and a cell beside it.
	EvalTimeout  = time.Minute
	pollInterval = 500 * time.Millisecond

	// Page size; the screenshot grows to the notebook's height up to
	// MaxScreenshotHeight pixels.
	ViewportWidth       = 1280
	ViewportHeight      = 900
	MaxScreenshotHeight = 16000
)

var flagNotebook = flag.String("notebook", DefaultNotebook, "notebook to open, relative to notebooks/ (or an absolute path)")

// TestNotebookRunsInBrowser opens the notebook in JupyterLab in Chromium,
// checks the kernel, runs all cells and checks every output, then saves a
// screenshot (also when it fails part-way).
func TestNotebookRunsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser check needs JupyterLab, the GoNB kernel and Chromium; skipped in -short (the fast layer)")
	}
	start := time.Now()
	root := repoRoot(t)
	tl := findTools(t, root)
	notebook := *flagNotebook
	if !filepath.IsAbs(notebook) {
		notebook = filepath.Join(root, "notebooks", notebook)
	}
	if _, err := os.Stat(notebook); err != nil {
		t.Fatalf("notebook to check: %v", err)
	}
	artifacts := filepath.Join(root, "artifacts", "browsercheck")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(filepath.Base(notebook), ".ipynb")
	shot := filepath.Join(artifacts, screenshotName(base))

	committed, err := ipynb.Read(notebook)
	if err != nil {
		t.Fatal(err)
	}
	exercise, err := committed.Exercise()
	if err != nil {
		t.Fatal(err)
	}
	exerciseTest := codeIndex(committed, exercise.Test.Index)

	// The same quick settings as the notebook checks.
	settings := nbrun.Check
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = settings.LatencyScale
	srv := servertest.Start(t, cfg)

	nbDir := copyModule(t, root, notebook)
	lab := startJupyterLab(t, tl, root, nbDir, filepath.Join(artifacts, base+".jupyterlab.log"), settings.Env(srv.URL))
	page := openBrowser(t, tl.chromium)
	shotTaken := false
	t.Cleanup(func() { // runs before the browser closes
		if t.Failed() && !shotTaken {
			if err := screenshot(page, shot); err != nil {
				t.Logf("no screenshot of the failure: %v", err)
				return
			}
			t.Logf("screenshot of the failure: %s; JupyterLab's log: %s", shot, filepath.Join(artifacts, base+".jupyterlab.log"))
		}
	})

	// Open the notebook; the token in the URL logs the browser in.
	url := lab.URL + "/lab/tree/" + filepath.Base(notebook) + "?token=" + lab.Token
	if err := page.Timeout(PageLoadTimeout).Navigate(url); err != nil {
		t.Fatalf("opening %s: %v", lab.URL, err)
	}
	// GoNB reports no status until it first runs a cell, so a started
	// kernel shows "Unknown" (as in the status bar) rather than "Idle".
	st := waitFor(t, page, KernelReadyTimeout, "the notebook to open with a started kernel", func(s notebookState) bool {
		return s.Found && s.Cells > 0 && s.Kernel != "" && s.Kernel != "No Kernel" && (s.Status == "idle" || s.Status == "unknown")
	})
	if st.Kernel != KernelDisplayName {
		t.Fatalf("kernel shown is %q, want %q (is the GoNB kernel installed? %s)", st.Kernel, KernelDisplayName, setupHint)
	}
	if len(st.Prompts) == 0 {
		t.Fatalf("%s shows no code cells", filepath.Base(notebook))
	}
	t.Logf("opened %s with kernel %q: %d code cells", filepath.Base(notebook), st.Kernel, len(st.Prompts))

	// The committed outputs, as someone who just cloned the repository sees
	// them (an untrusted notebook): every picture must show as a picture.
	checkCommittedPictures(t, page, committed)

	// Edit > Clear Outputs of All Cells, so that every output checked below
	// comes from this run, then Run > Run All Cells, as a learner would.
	clickMenu(t, page, "Edit", "editmenu:clear-all")
	waitFor(t, page, MenuTimeout, "the committed outputs to be cleared", func(s notebookState) bool {
		return s.Outputs == 0 && s.executed() == 0
	})
	clickMenu(t, page, "Run", "runmenu:run-all")
	runStart := time.Now()
	sliderCell := -1
	for _, c := range committed.Cells {
		if c.Type == "code" && strings.Contains(c.Source, "slider.Run(") {
			sliderCell = codeIndex(committed, c.Index)
			useSlider(t, page, filepath.Join(artifacts, strings.TrimSuffix(screenshotName(base), ".png")+"-slider.png"))
			break
		}
	}
	st = waitFor(t, page, RunTimeout, "every code cell to run", func(s notebookState) bool {
		return s.Status == "idle" && s.running() == 0 && s.executed() == len(s.Prompts)
	})
	t.Logf("ran %d cells in %.1fs", len(st.Prompts), time.Since(runStart).Seconds())
	// A fresh kernel numbers the executions 1, 2, 3...: each cell ran once, in order.
	for i, p := range st.Prompts {
		if want := fmt.Sprintf("[%d]:", i+1); p != want {
			t.Errorf("code cell %d shows prompt %s, want %s (Run All runs each cell once, in order); all prompts: %v", i+1, p, want, st.Prompts)
			break
		}
	}

	if err := screenshot(page, shot); err != nil {
		t.Fatalf("taking the screenshot: %v", err)
	}
	shotTaken = true

	outs := outputs(t, page)
	if len(outs) == 0 {
		t.Errorf("no cell shows any output")
	}
	exerciseRed := false
	for _, o := range outs {
		where := fmt.Sprintf("code cell %d (%q)", o.Cell+1, o.FirstLine)
		if o.Cell == exerciseTest {
			// A learner who has not done the exercise sees its test red.
			exerciseRed = exerciseRed || strings.Contains(o.Text, "--- FAIL")
			continue
		}
		if o.Type == "error" {
			t.Errorf("%s shows an error output: %s\n%s", where, o.Error, clip(o.Text, 2000))
		}
		if o.Cell == sliderCell && strings.Contains(o.Text, "needs this notebook open in JupyterLab") {
			t.Errorf("%s ran without its slider in JupyterLab: %s", where, clip(o.Text, 500))
		}
		if m := ipynb.ProblemIn(o.Text); m != "" {
			t.Errorf("%s output shows %q:\n%s", where, m, clip(o.Text, 2000))
		}
	}
	if sliderCell >= 0 {
		var text strings.Builder
		for _, o := range outs {
			if o.Cell == sliderCell {
				text.WriteString(o.Text)
			}
		}
		for _, limit := range []int{10, SliderValue} {
			if !strings.Contains(text.String(), sliderLine(limit)) {
				t.Errorf("the slider's cell (code cell %d) lacks the line of its run at %d after it closed: %q", sliderCell+1, limit, clip(text.String(), 1000))
			}
		}
	}
	if !exerciseRed {
		t.Errorf("the exercise's test (code cell %d) does not show a failing test on the untouched stub", exerciseTest+1)
	}
	t.Logf("screenshot: %s; whole check took %.1fs", shot, time.Since(start).Seconds())
}

// How the slider is tried: the value the check moves it to, and the line
// each value prints (sweep.Point's String).
const (
	SliderValue   = 5
	SliderTimeout = 2 * time.Minute
)

// sliderLine is the start of the line the slider cell prints for a limit.
func sliderLine(limit int) string { return fmt.Sprintf("limit %3d:", limit) }

// sliderJS finds the slider of the running notebook and, given a value,
// moves it there as a learner's drag does (input events, then change);
// it returns the text of the slider's cell, or null while there is no
// slider. With the value "done" it presses the slider's Done button.
const sliderJS = `(value) => {
	const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
	if (!panel) return null;
	const range = panel.node.querySelector('.jp-OutputArea-output input[type=range]');
	if (!range) return null;
	const cell = range.closest('.jp-Cell');
	const text = cell.querySelector('.jp-OutputArea') ? cell.querySelector('.jp-OutputArea').innerText : '';
	if (value === 'done') {
		const done = [...cell.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Done');
		if (!done) return null;
		done.click();
	} else if (value !== '') {
		range.value = value;
		range.dispatchEvent(new Event('input'));
		range.dispatchEvent(new Event('change'));
	}
	return text;
}`

// useSlider waits for the slider cell's first run, moves its slider to
// SliderValue, waits for the line of that run, saves a picture of the cell
// with its slider at shot, and presses Done, as a learner would during Run
// All.
func useSlider(t *testing.T, page *rod.Page, shot string) {
	t.Helper()
	eval := func(value string) (string, bool) {
		res, err := page.Timeout(EvalTimeout).Eval(sliderJS, value)
		if err != nil {
			t.Fatalf("using the slider: %v", err)
		}
		if res.Value.Nil() {
			return "", false
		}
		return res.Value.Str(), true
	}
	wait := func(what string, timeout time.Duration, done func(text string, found bool) bool) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			text, found := eval("")
			if done(text, found) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%v waiting for %s after %v; the slider's cell shows: %q", errTimeout, what, timeout, clip(text, 1000))
			}
			time.Sleep(pollInterval)
		}
	}
	first := sliderLine(10)
	wait("the slider and its first run ("+first+")", RunTimeout, func(text string, found bool) bool {
		return found && strings.Contains(text, first)
	})
	eval(fmt.Sprint(SliderValue))
	moved := sliderLine(SliderValue)
	wait("the run at the value the slider was moved to ("+moved+")", SliderTimeout, func(text string, _ bool) bool {
		return strings.Contains(text, moved)
	})
	if err := screenshotCell(page, `.jp-OutputArea-output input[type=range]`, shot); err != nil {
		t.Errorf("no picture of the slider: %v", err)
	} else {
		t.Logf("the slider's cell: %s", shot)
	}
	if _, ok := eval("done"); !ok {
		t.Fatalf("the slider's Done button was not found")
	}
	wait("the slider to close after Done", SliderTimeout, func(_ string, found bool) bool { return !found })
	t.Logf("slider: moved to %d, ran there, closed with Done", SliderValue)
}

// screenshotName names the screenshot after the notebook's number:
// 01_snippets_from_the_slides -> notebook01.png.
func screenshotName(base string) string {
	if n, _, ok := strings.Cut(base, "_"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
		return "notebook" + n + ".png"
	}
	return base + ".png"
}

// openBrowser starts Chromium headless with a fresh profile and returns a
// blank page of the check's size. Cleanup closes the browser.
func openBrowser(t *testing.T, bin string) *rod.Page {
	t.Helper()
	b := chromium.Start(t, chromium.Options{Bin: bin, Width: ViewportWidth, Height: ViewportHeight, StartTimeout: BrowserStartTimeout})
	return b.Page(t)
}

// clickMenu opens a menu of JupyterLab's menu bar and clicks the item that
// runs command.
func clickMenu(t *testing.T, page *rod.Page, menu, command string) {
	t.Helper()
	p := page.Timeout(MenuTimeout)
	bar, err := p.ElementR(".lm-MenuBar-item", "^"+regexp.QuoteMeta(menu)+"$")
	if err != nil {
		t.Fatalf("menu %q not found in JupyterLab's menu bar within %v: %v", menu, MenuTimeout, err)
	}
	if err := bar.Click(proto.InputMouseButtonLeft, 1); err != nil {
		t.Fatalf("opening menu %q: %v", menu, err)
	}
	item, err := p.Element(`.lm-Menu-item[data-command="` + command + `"]`)
	if err != nil {
		t.Fatalf("menu %q has no item for %s within %v: %v", menu, command, MenuTimeout, err)
	}
	if err := item.Click(proto.InputMouseButtonLeft, 1); err != nil {
		t.Fatalf("clicking %s in menu %q: %v", command, menu, err)
	}
}

// notebookState is what the open notebook shows.
type notebookState struct {
	Found   bool     `json:"found"`   // a notebook panel is open
	Cells   int      `json:"cells"`   // cells of any kind
	Kernel  string   `json:"kernel"`  // kernel name in the toolbar
	Status  string   `json:"status"`  // kernel status: idle, busy, starting, unknown, ...
	Prompts []string `json:"prompts"` // prompt of each non-empty code cell: "[3]:", "[*]:", "[ ]:"
	Outputs int      `json:"outputs"` // outputs shown under all cells
	Dialog  string   `json:"dialog"`  // text of an open dialog, if any
}

// executed counts the code cells that show an execution count.
func (s notebookState) executed() int {
	n := 0
	for _, p := range s.Prompts {
		if strings.Trim(p, "[]: 0123456789") == "" && strings.ContainsAny(p, "0123456789") {
			n++
		}
	}
	return n
}

// running counts the code cells queued or running ("[*]:").
func (s notebookState) running() int {
	n := 0
	for _, p := range s.Prompts {
		if strings.Contains(p, "*") {
			n++
		}
	}
	return n
}

// stateJS reads notebookState from JupyterLab's page.
const stateJS = `() => {
	const text = (el) => (el ? el.textContent.trim() : '');
	const state = {found: false, cells: 0, kernel: '', status: '', prompts: [], outputs: 0, dialog: text(document.querySelector('.jp-Dialog'))};
	const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
	if (!panel || !panel.node.classList.contains('jp-NotebookPanel') || !panel.content.widgets) return state;
	state.found = true;
	state.cells = panel.content.widgets.length;
	for (const cell of panel.content.widgets) {
		// Empty code cells are never sent to the kernel. The prompt is built
		// from the model as JupyterLab draws it, because a cell whose source
		// is collapsed (a hidden solution) shows no prompt on the page.
		if (cell.model.type !== 'code' || cell.model.sharedModel.getSource().trim() === '') continue;
		const n = cell.model.executionCount;
		state.prompts.push(cell.model.executionState === 'running' ? '[*]:' : n ? '[' + n + ']:' : '[ ]:');
	}
	state.kernel = text(panel.node.querySelector('[data-jp-item-name="kernelName"]'));
	const indicator = panel.node.querySelector('.jp-Notebook-ExecutionIndicator');
	state.status = indicator ? indicator.getAttribute('data-status') || '' : '';
	state.outputs = panel.node.querySelectorAll('.jp-OutputArea-output').length;
	return state;
}`

// waitFor polls the notebook's state until done accepts it, failing the test
// with the last state seen when timeout passes or a dialog opens.
func waitFor(t *testing.T, page *rod.Page, timeout time.Duration, what string, done func(notebookState) bool) notebookState {
	t.Helper()
	deadline := time.Now().Add(timeout)
	if testDeadline, ok := t.Deadline(); ok && testDeadline.Add(-30*time.Second).Before(deadline) {
		deadline = testDeadline.Add(-30 * time.Second) // fail with the state seen, before go test panics
	}
	var s notebookState
	for {
		res, err := page.Timeout(EvalTimeout).Eval(stateJS)
		if err != nil {
			t.Fatalf("reading JupyterLab's page while waiting for %s: %v", what, err)
		}
		s = notebookState{}
		if err := res.Value.Unmarshal(&s); err != nil {
			t.Fatalf("reading JupyterLab's page: %v", err)
		}
		if done(s) {
			return s
		}
		if s.Dialog != "" {
			t.Fatalf("a dialog opened while waiting for %s: %q", what, clip(s.Dialog, 500))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v waiting for %s after %v; last seen: kernel %q status %q, %d of %d code cells executed, %d running, prompts %v",
				errTimeout, what, timeout, s.Kernel, s.Status, s.executed(), len(s.Prompts), s.running(), s.Prompts)
		}
		time.Sleep(pollInterval)
	}
}

// output is one output shown under a code cell.
type output struct {
	Cell      int    `json:"cell"`      // index among the code cells, from 0
	FirstLine string `json:"firstLine"` // the cell's first source line (after a bare %%)
	Type      string `json:"type"`      // nbformat output_type: stream, display_data, execute_result, error
	Error     string `json:"error"`     // for an error output: "ename: evalue"
	Text      string `json:"text"`      // the text shown on the page
}

// outputsJS lists every output of every code cell, reading the type from the
// cell's output model (JupyterLab renders an error output just like text on
// stderr) and the text from the page.
const outputsJS = `() => {
	const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
	if (!panel || !panel.content || !panel.content.widgets) throw new Error('no notebook is the current widget');
	const all = [];
	let index = 0;
	for (const cell of panel.content.widgets) {
		if (cell.model.type !== 'code') continue;
		const lines = cell.model.sharedModel.getSource().split('\n').map((l) => l.trim());
		const firstLine = lines.find((l) => l !== '' && l !== '%%') || '';
		const shown = [...cell.node.querySelectorAll('.jp-OutputArea-output')].map((o) => o.innerText || '');
		cell.model.outputs.toJSON().forEach((o, i) => {
			all.push({
				cell: index,
				firstLine: firstLine,
				type: o.output_type,
				error: o.output_type === 'error' ? o.ename + ': ' + o.evalue : '',
				text: i < shown.length ? shown[i] : '',
			});
		});
		index++;
	}
	return all;
}`

// outputs returns what the notebook shows under its code cells.
func outputs(t *testing.T, page *rod.Page) []output {
	t.Helper()
	res, err := page.Timeout(EvalTimeout).Eval(outputsJS)
	if err != nil {
		t.Fatalf("reading the outputs: %v", err)
	}
	var outs []output
	if err := res.Value.Unmarshal(&outs); err != nil {
		t.Fatalf("reading the outputs: %v", err)
	}
	return outs
}

// screenshot saves the whole notebook as a PNG: the page is made as tall as
// the notebook's content (JupyterLab scrolls inside its own panel).
func screenshot(page *rod.Page, path string) error {
	p := page.Timeout(time.Minute)
	// The notebook's scrolling panel: how much of it is hidden, and how tall
	// it shows.
	const measure = `() => {
		const outer = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
		if (!outer) return {hidden: 0, shown: 0};
		return {hidden: outer.scrollHeight - outer.clientHeight, shown: outer.clientHeight};
	}`
	res, err := p.Eval(measure)
	if err != nil {
		return fmt.Errorf("measuring the notebook: %w", err)
	}
	hidden, shown := res.Value.Get("hidden").Int(), res.Value.Get("shown").Int()
	height := min(ViewportHeight+hidden, MaxScreenshotHeight)
	if err := p.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: ViewportWidth, Height: height, DeviceScaleFactor: 1}); err != nil {
		return fmt.Errorf("resizing the page: %w", err)
	}
	// JupyterLab lays the taller page out on its next frames: the panel then
	// shows what the page grew by (the menus and bars around it keep their
	// size). Then scroll it to the top and wait for the page to be painted.
	grown := fmt.Sprintf(`() => {
		const outer = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
		return !!outer && outer.clientHeight >= %d;
	}`, shown+height-ViewportHeight-2)
	if err := p.Wait(rod.Eval(grown)); err != nil {
		return fmt.Errorf("waiting for JupyterLab to lay out the %d pixels tall page: %w", height, err)
	}
	const toTop = `() => {
		const outer = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
		if (outer) outer.scrollTop = 0;
	}`
	if _, err := p.Eval(toTop); err != nil {
		return fmt.Errorf("scrolling to the top: %w", err)
	}
	if err := p.WaitRepaint(); err != nil {
		return fmt.Errorf("waiting for the page to be painted: %w", err)
	}
	png, err := p.Screenshot(false, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// screenshotCell saves a PNG of the notebook cell that holds the element
// selector finds.
func screenshotCell(page *rod.Page, selector, path string) error {
	p := page.Timeout(EvalTimeout)
	el, err := p.ElementByJS(rod.Eval(`(sel) => document.querySelector(sel).closest('.jp-Cell')`, selector))
	if err != nil {
		return err
	}
	if err := el.ScrollIntoView(); err != nil {
		return err
	}
	png, err := el.Screenshot(proto.PageCaptureScreenshotFormatPng, 0)
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// clip shortens s to at most n bytes for messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// codeIndex returns the position among the code cells of the cell at index.
func codeIndex(nb *ipynb.Notebook, index int) int {
	n := 0
	for _, c := range nb.Cells[:index] {
		if c.Type == "code" {
			n++
		}
	}
	return n
}

// picturesJS counts the pictures shown in the notebook's outputs, and the
// outputs that show an image's source as text instead.
const picturesJS = `() => {
	const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
	if (!panel) throw new Error('no notebook is the current widget');
	const outs = [...panel.node.querySelectorAll('.jp-OutputArea-output')];
	return {
		images: panel.node.querySelectorAll('.jp-OutputArea-output img').length,
		asText: outs.filter((o) => /<svg|data:image/.test(o.innerText || '')).length,
	};
}`

// checkCommittedPictures checks that every picture among the committed
// outputs (an <img> in an HTML output) shows as an image in JupyterLab,
// which sanitizes the HTML of an untrusted notebook.
func checkCommittedPictures(t *testing.T, page *rod.Page, nb *ipynb.Notebook) {
	t.Helper()
	want := 0
	for _, h := range nb.DisplayData("text/html") {
		want += strings.Count(h, "<img")
	}
	// JupyterLab renders the outputs after it opens the notebook: wait until
	// it shows as many images as the outputs hold (or gives up, and the
	// counts below say what it showed).
	shown := fmt.Sprintf(`() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img').length >= %d`, want)
	if err := page.Timeout(EvalTimeout).Wait(rod.Eval(shown)); err != nil {
		t.Logf("waiting for JupyterLab to show the %d committed pictures: %v", want, err)
	}
	res, err := page.Timeout(EvalTimeout).Eval(picturesJS)
	if err != nil {
		t.Fatalf("counting the committed pictures: %v", err)
	}
	var got struct{ Images, AsText int }
	if err := res.Value.Unmarshal(&got); err != nil {
		t.Fatal(err)
	}
	if got.Images < want || got.AsText > 0 {
		t.Errorf("the committed outputs hold %d pictures; JupyterLab shows %d as images and %d outputs as picture source text", want, got.Images, got.AsText)
	}
	t.Logf("committed outputs: %d pictures shown as images", got.Images)
}
