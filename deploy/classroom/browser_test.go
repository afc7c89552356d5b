package classroom

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/internal/chromium"
	envsize "github.com/go-async-workshop/workshop/snippets/tool/workload"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// Bounds of the browser's steps.
const (
	BrowserStepTimeout = 2 * time.Minute
	BrowserCellTimeout = 3 * time.Minute
)

// BrowserAttendees is how many attendees of TestClassroom also use a real
// browser, at the same time, each in a Chromium of its own (its own profile,
// so its own login cookie), as two people in two browser profiles would.
const BrowserAttendees = 2

// browserAttendee logs in as name in headless Chromium, as a person would:
// the hub's login form, then JupyterLab opening the first notebook (the
// default URL). There it runs the notebook's module link cell, then the
// cell that checks the server, which must print want (the attendee's own
// server), and returns that cell's text. Then it opens notebook 01 from the
// file browser, runs its "100 at once" cell after every cell above it, and
// returns the server's row of that run's table as the page shows it; a
// screenshot is saved in artifacts/classroom/. Last, it opens the mock
// server's docs page through the proxy.
func browserAttendee(t *testing.T, h *hub, a *attendee, want string) (serverCell string, burst serverRow) {
	t.Helper()
	name := a.Name
	b := chromium.Start(t, chromium.Options{})
	page := b.Page(t)
	// Each step gets its own time limit.
	step := func() *rod.Page { return page.Timeout(BrowserStepTimeout) }
	shot := filepath.Join(artifacts(t), "browser-"+name+".png")
	screenshot := func() {
		if png, err := page.Screenshot(false, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng}); err == nil {
			_ = os.WriteFile(shot, png, 0o644)
		}
	}
	shotTaken := false
	t.Cleanup(func() {
		if t.Failed() && !shotTaken {
			screenshot()
			t.Logf("the browser's page when the test failed: %s", shot)
		}
	})

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	must("opening the hub's login page", step().Navigate(h.URL+"/hub/login"))
	user, err := step().Element("#username_input")
	must("finding the name field", err)
	must("typing the name", user.Input(name))
	pass, err := step().Element("#password_input")
	must("finding the password field", err)
	must("typing the password", pass.Input(a.Password))
	submit, err := step().Element("#login_submit")
	must("finding the sign-in button", err)
	must("signing in", submit.Click(proto.InputMouseButtonLeft, 1))

	// menu chooses an item of JupyterLab's menu bar by its command.
	menu := func(name, command string) {
		t.Helper()
		bar, err := step().ElementR(".lm-MenuBar-item", "^"+name+"$")
		must("finding the "+name+" menu", err)
		must("opening the "+name+" menu", bar.Click(proto.InputMouseButtonLeft, 1))
		item, err := step().Element(`.lm-Menu-item[data-command="` + command + `"]`)
		must("finding "+command+" in the "+name+" menu", err)
		must("choosing "+command, item.Click(proto.InputMouseButtonLeft, 1))
	}
	// opened waits until the notebook shown is file, with its GoNB kernel,
	// then clears its outputs (Edit > Clear Outputs of All Cells), so that
	// the outputs checked are this run's, not the saved run's.
	opened := func(file string) {
		t.Helper()
		must("waiting for "+file+" to open with its kernel", step().Wait(rod.Eval(`(file) => {
			const tab = document.querySelector('.lm-DockPanel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel');
			const k = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) [data-jp-item-name="kernelName"]');
			return tab && tab.textContent === file && k && k.textContent.includes('Go (gonb)') &&
				document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell').length > 1;
		}`, file)))
		menu("Edit", "editmenu:clear-all")
		must("waiting for the outputs to be cleared", step().Wait(rod.Eval(`() =>
			document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output').length === 0`)))
	}

	// cellJS finds the code cell whose source contains marker. JupyterLab
	// keeps only the cells near the view on the page, so when the cell is
	// not there it scrolls the notebook on by most of a screen (back to the
	// top after the end) and returns null, and the callers try again.
	const cellJS = `(marker) => {
		const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
		if (!panel) return null;
		for (const c of panel.querySelectorAll('.jp-Notebook .jp-CodeCell')) {
			if ((c.querySelector('.jp-InputArea')?.textContent || '').includes(marker)) return c;
		}
		const outer = panel.querySelector('.jp-WindowedPanel-outer');
		if (outer) {
			const end = outer.scrollTop + outer.clientHeight >= outer.scrollHeight - 2;
			outer.scrollTop = end ? 0 : outer.scrollTop + Math.floor(outer.clientHeight * 0.8);
		}
		return null;
	}`
	// run selects the cell with marker and chooses Run > Run Selected Cell
	// (after Run > Run All Above Selected Cell if above: the kernel runs
	// them in order), waits until the cell shows done (its prompt, or in
	// its outputs) and returns its prompt and outputs as the page shows them.
	run := func(marker, done string, above bool) string {
		t.Helper()
		cell, err := step().ElementByJS(rod.Eval(cellJS, marker))
		must("finding the cell with "+marker, err)
		prompt, err := cell.Element(".jp-InputPrompt")
		must("finding the cell's prompt", err)
		must("selecting the cell with "+marker, prompt.Click(proto.InputMouseButtonLeft, 1))
		must("waiting for the cell to be selected", step().Wait(rod.Eval(`(marker) => (`+cellJS+`)(marker)?.classList.contains('jp-mod-active')`, marker)))
		if above {
			menu("Run", "notebook:run-all-above")
		}
		menu("Run", "notebook:run-cell")
		err = page.Timeout(BrowserCellTimeout).Wait(rod.Eval(`(marker, done) => {
			const c = (`+cellJS+`)(marker);
			if (!c) return false;
			const prompt = (c.querySelector('.jp-InputPrompt')?.textContent || '').trim();
			const out = [...c.querySelectorAll('.jp-OutputArea-output')].map((o) => o.innerText).join('\n');
			return prompt === done || out.includes(done);
		}`, marker, done))
		var text string
		if shown, _ := step().Eval(`(marker) => {
			const c = (`+cellJS+`)(marker);
			if (!c) return '';
			return (c.querySelector('.jp-InputPrompt')?.textContent || '') + ' ' + [...c.querySelectorAll('.jp-OutputArea-output')].map((o) => o.innerText).join('\n');
		}`, marker); shown != nil {
			text = shown.Value.Str()
		}
		if err != nil {
			t.Fatalf("browser: the cell with %q did not show %q within %v (%v); it shows:\n%s", marker, done, BrowserCellTimeout, err, clip(text, 1000))
		}
		return text
	}

	// The hub sends the attendee to their JupyterLab, which opens the first
	// notebook: run its module link cell, then the cell that checks the
	// server.
	lab := "/user/" + name + "/lab"
	must("waiting for JupyterLab", step().Wait(rod.Eval(`(lab) => location.pathname.startsWith(lab)`, lab)))
	opened(filepath.Base(FirstNotebook))
	run("go mod edit -replace", "[1]:", false)
	serverCell = run("Healthy(", "server is up at "+want, false)

	// Notebook 01, opened from the file browser with a double click; its
	// first cell that fires every request at once, after the cells above it
	// that declare what it uses.
	file := filepath.Base(Notebook)
	item, err := step().ElementByJS(rod.Eval(`(file) => [...document.querySelectorAll('.jp-DirListing-item')].find((i) =>
		i.querySelector('.jp-DirListing-itemText')?.textContent.trim() === file) || null`, file))
	must("finding "+file+" in the file browser", err)
	must("opening "+file, item.Click(proto.InputMouseButtonLeft, 2))
	opened(file)
	text := run(`"unlimited"`, "unlimited: ", true)
	row, ok := parseServerRow(text, "videos")
	if !ok {
		t.Fatalf("browser: the 100-at-once cell shows no server row for the videos; it shows:\n%s", clip(text, 1500))
	}
	// A picture of the 100-at-once cell's output.
	if out, err := step().ElementByJS(rod.Eval(`(marker) => (`+cellJS+`)(marker)?.querySelector('.jp-OutputArea-output')`, `"unlimited"`)); err == nil {
		_ = out.ScrollIntoView()
	}
	screenshot()
	shotTaken = true

	// The mock server's docs page, through jupyter-server-proxy, in a second
	// tab (leaving JupyterLab with a changed notebook would ask first), last:
	// the page in front is the one the browser keeps drawing.
	docs := h.URL + "/user/" + name + "/video-api/docs"
	tab := b.Page(t)
	must("opening the docs page", tab.Timeout(BrowserStepTimeout).Navigate(docs))
	must("waiting for the docs page", tab.Timeout(BrowserStepTimeout).WaitLoad())
	body, err := tab.Timeout(BrowserStepTimeout).Element("body")
	must("reading the docs page", err)
	if txt, _ := body.Text(); !strings.Contains(strings.ToLower(txt), "videos") {
		t.Errorf("browser: %s does not show the API docs: %.300s", docs, txt)
	}
	return serverCell, row
}

// serverRow is one endpoint's row of the server table in a run's report
// (measure's HTML), as the page shows it.
type serverRow struct {
	Answered, AtOnce, Queued, Slowed, TurnedAway int
}

// parseServerRow finds the row of the endpoint label ("videos") in text, a
// cell's outputs as the page shows them: the label, then five counts.
func parseServerRow(text, label string) (serverRow, bool) {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 6 || f[0] != label {
			continue
		}
		var n [5]int
		ok := true
		for i := range n {
			v, err := strconv.Atoi(f[i+1])
			n[i], ok = v, ok && err == nil
		}
		if ok {
			return serverRow{n[0], n[1], n[2], n[3], n[4]}, true
		}
	}
	return serverRow{}, false
}

// browserCheck is the browser part of TestClassroom: apiURL is the
// VIDEO_API_URL of the attendee's kernel (a server on a Unix socket prints
// as http://video-server.sock: the socket itself is the attendee's alone). The 100-at-once cell must report
// the attendee's own server: every request answered once, at most its
// capacity served at once, the rest queued; an attendee sharing the
// server would see another attendee's requests counted too.
func browserCheck(t *testing.T, h *hub, a *attendee, apiURL string) {
	t.Helper()
	start := time.Now()
	name := a.Name
	want := apiURL
	if strings.HasPrefix(apiURL, videoapi.UnixScheme) {
		// As the kernel's first (and only) socket prints.
		want = "http://" + videoapi.UnixSocketHost
	}
	server, burst := browserAttendee(t, h, a, want)
	if !strings.Contains(server, "server is up at "+want) {
		t.Errorf("browser: %s's server check printed %q, want \"server is up at %s\"", name, server, want)
	}
	n, err := envsize.Videos()
	if err != nil {
		t.Fatal(err)
	}
	if burst.Answered != n || burst.AtOnce != 10 || burst.Queued == 0 {
		t.Errorf("browser: %s's 100-at-once run shows their server answered %d, at most %d at once, up to %d queued; want %d answered (their %d requests and nobody else's), 10 at once and some queued",
			name, burst.Answered, burst.AtOnce, burst.Queued, n, n)
	}
	t.Logf("browser: %s logged in, ran the first notebook's cells up to the server check (%q), ran notebook 01 up to 100 at once (the page shows their server: %d answered, at most %d at once, up to %d queued) and opened the docs, in %.1fs",
		name, strings.TrimSpace(server), burst.Answered, burst.AtOnce, burst.Queued, time.Since(start).Seconds())
}
