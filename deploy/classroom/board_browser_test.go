package classroom

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/internal/chromium"
)

// boardBrowser logs the host in on the hub's login page in headless
// Chromium, opens the class board, waits for raiser's row to show a raised
// hand, saves screenshots (artifacts/board/board.png, the one the docs
// show, and board-panel.png, narrowed to a side panel), and clears the hand with the row's button; the row must then show
// no hand.
func boardBrowser(t *testing.T, h *hub, host *attendee, raiser string) {
	t.Helper()
	b := chromium.Start(t, chromium.Options{})
	page := b.Page(t)
	step := func() *rod.Page { return page.Timeout(BrowserStepTimeout) }
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}
	must("opening the hub's login page", step().Navigate(h.URL+"/hub/login"))
	for _, f := range []struct{ sel, text string }{{"#username_input", host.Name}, {"#password_input", host.Password}} {
		el, err := step().Element(f.sel)
		must("finding "+f.sel, err)
		must("typing into "+f.sel, el.Input(f.text))
	}
	submit, err := step().Element("#login_submit")
	must("finding the sign-in button", err)
	must("signing in", submit.Click(proto.InputMouseButtonLeft, 1))
	must("waiting for the login", step().Wait(rod.Eval(`() => !location.pathname.endsWith('/hub/login')`)))
	must("opening the board", step().Navigate(h.URL+boardPath))
	must("waiting for the raised hand", step().Wait(rod.Eval(`(name) => {
		const live = document.getElementById('live');
		const row = document.querySelector('tr[data-name="' + name + '"]');
		return live && live.textContent === 'live' && row && row.querySelector('button[data-clear]') !== null;
	}`, raiser)))
	must("setting a projector's window", page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: 1280, Height: 640, DeviceScaleFactor: 1}))
	dir := filepath.Join(repoRoot(t), "artifacts", "board")
	must("making "+dir, os.MkdirAll(dir, 0o755))
	png, err := page.Screenshot(false, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	must("taking the screenshot", err)
	must("saving the screenshot", os.WriteFile(filepath.Join(dir, "board.png"), png, 0o644))
	// A side panel beside the host's own work: the same board, narrowed.
	must("narrowing the window", page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: 420, Height: 640, DeviceScaleFactor: 1}))
	png, err = page.Screenshot(false, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	must("taking the side panel's screenshot", err)
	must("saving the side panel's screenshot", os.WriteFile(filepath.Join(dir, "board-panel.png"), png, 0o644))
	clear, err := step().Element(`tr[data-name="` + raiser + `"] button[data-clear]`)
	must("finding the clear button", err)
	must("clearing the hand", clear.Click(proto.InputMouseButtonLeft, 1))
	must("waiting for the hand to go", step().Wait(rod.Eval(`(name) => {
		const row = document.querySelector('tr[data-name="' + name + '"]');
		return row && row.querySelector('button[data-clear]') === null && !row.classList.contains('hand');
	}`, raiser)))
}
