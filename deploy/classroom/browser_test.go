package classroom

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/internal/chromium"
)

// Bounds of the browser's steps.
const (
	BrowserStepTimeout = 2 * time.Minute
	BrowserCellTimeout = 3 * time.Minute
)

// browserAttendee logs in as name in headless Chromium, as a person would:
// the hub's login form, then JupyterLab opening the first notebook (the
// default URL). There it runs the notebook's module link cell, then the
// cell that checks the server, which must print want (the attendee's own
// server); it returns that cell's text. It also opens the mock server's docs page through the proxy.
// A screenshot of the notebook is saved in artifacts/classroom/.
func browserAttendee(t *testing.T, h *hub, name, want string) (serverCell string) {
	t.Helper()
	b := chromium.Start(t, chromium.Options{})
	page := b.Page(t)
	// Each step gets its own time limit.
	step := func() *rod.Page { return page.Timeout(BrowserStepTimeout) }
	shot := filepath.Join(artifacts(t), "browser.png")
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
	must("typing the password", pass.Input(h.Password))
	submit, err := step().Element("#login_submit")
	must("finding the sign-in button", err)
	must("signing in", submit.Click(proto.InputMouseButtonLeft, 1))

	// The hub sends the attendee to their JupyterLab, which opens the first
	// notebook; its first code cell is the module link.
	lab := "/user/" + name + "/lab"
	must("waiting for JupyterLab", step().Wait(rod.Eval(`(lab) => location.pathname.startsWith(lab) && document.querySelectorAll('.jp-Notebook .jp-CodeCell').length > 1`, lab)))
	must("waiting for the notebook's kernel", step().Wait(rod.Eval(`() => {
		const k = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) [data-jp-item-name="kernelName"]');
		return k && k.textContent.includes('Go (gonb)');
	}`)))

	// Run the module link cell, then the cell that checks the server, each
	// by selecting it and choosing Run > Run Selected Cell. The notebook
	// shows the outputs of the committed run until then: the link cell is
	// done when it shows [1], the server check when it prints this
	// attendee's own server.
	const cellJS = `(marker) => {
		for (const c of document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell')) {
			if ((c.querySelector('.jp-InputArea')?.textContent || '').includes(marker)) return c;
		}
		return null;
	}`
	var text string
	for _, run := range []struct{ marker, done string }{
		{"go mod edit -replace", "[1]:"},
		{"Healthy(", "server is up at " + want},
	} {
		cell, err := step().ElementByJS(rod.Eval(cellJS, run.marker))
		must("finding the cell with "+run.marker, err)
		prompt, err := cell.Element(".jp-InputPrompt")
		must("finding the cell's prompt", err)
		must("selecting the cell with "+run.marker, prompt.Click(proto.InputMouseButtonLeft, 1))
		must("waiting for the cell to be selected", step().Wait(rod.Eval(`(marker) => (`+cellJS+`)(marker).classList.contains('jp-mod-active')`, run.marker)))
		// Run > Run Selected Cell and Do not Advance.
		menu, err := step().ElementR(".lm-MenuBar-item", "^Run$")
		must("finding the Run menu", err)
		must("opening the Run menu", menu.Click(proto.InputMouseButtonLeft, 1))
		item, err := step().Element(`.lm-Menu-item[data-command="notebook:run-cell"]`)
		must("finding Run Selected Cell", err)
		must("running the cell with "+run.marker, item.Click(proto.InputMouseButtonLeft, 1))
		err = page.Timeout(BrowserCellTimeout).Wait(rod.Eval(`(marker, done) => {
			const c = (`+cellJS+`)(marker);
			const prompt = (c.querySelector('.jp-InputPrompt')?.textContent || '').trim();
			const out = [...c.querySelectorAll('.jp-OutputArea-output')].map((o) => o.innerText).join('\n');
			return prompt === done || out.includes(done);
		}`, run.marker, run.done))
		shown, _ := step().Eval(`(marker) => {
			const c = (`+cellJS+`)(marker);
			return (c.querySelector('.jp-InputPrompt')?.textContent || '') + ' ' + [...c.querySelectorAll('.jp-OutputArea-output')].map((o) => o.innerText).join('\n');
		}`, run.marker)
		if shown != nil {
			text = shown.Value.Str()
		}
		if err != nil {
			t.Fatalf("browser: the cell with %q did not show %q within %v (%v); it shows:\n%s", run.marker, run.done, BrowserCellTimeout, err, clip(text, 1000))
		}
	}

	// A picture of the server check's output.
	if out, err := step().ElementByJS(rod.Eval(`(marker) => (`+cellJS+`)(marker).querySelector('.jp-OutputArea-output')`, "Healthy(")); err == nil {
		_ = out.ScrollIntoView()
	}
	screenshot()
	shotTaken = true

	// The mock server's docs page, through jupyter-server-proxy.
	docs := h.URL + "/user/" + name + "/video-api/docs"
	// In a second tab: leaving JupyterLab with a changed notebook would ask
	// for confirmation.
	tab := b.Page(t)
	must("opening the docs page", tab.Timeout(BrowserStepTimeout).Navigate(docs))
	must("waiting for the docs page", tab.Timeout(BrowserStepTimeout).WaitLoad())
	body, err := tab.Timeout(BrowserStepTimeout).Element("body")
	must("reading the docs page", err)
	if txt, _ := body.Text(); !strings.Contains(strings.ToLower(txt), "videos") {
		t.Errorf("browser: %s does not show the API docs: %.300s", docs, txt)
	}
	return text
}

// browserCheck is the browser part of TestClassroom: want is the
// VIDEO_API_URL of the attendee's kernel.
func browserCheck(t *testing.T, h *hub, name, want string) {
	t.Helper()
	start := time.Now()
	text := browserAttendee(t, h, name, want)
	if !strings.Contains(text, "server is up at "+want) {
		t.Errorf("browser: %s's server check printed %q, want \"server is up at %s\"", name, text, want)
	}
	t.Logf("browser: %s logged in, ran the first notebook's cells up to the server check (%q) and opened the docs, in %.1fs", name, strings.TrimSpace(text), time.Since(start).Seconds())
}
