package classroom

import (
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/internal/chromium"
)

// hostDashboard logs the host in with Chromium and opens the room's
// dashboard through the hub; it returns the page once its stream is live.
func hostDashboard(t *testing.T, h *hub) *rod.Page {
	t.Helper()
	b := chromium.Start(t, chromium.Options{Width: 1600, Height: 1000})
	page := b.Page(t)
	step := func() *rod.Page { return page.Timeout(BrowserStepTimeout) }
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("host's browser: %s: %v", what, err)
		}
	}
	must("opening the hub's login page", step().Navigate(h.URL+"/hub/login"))
	for sel, text := range map[string]string{"#username_input": h.Admin, "#password_input": h.AdminPassword} {
		el, err := step().Element(sel)
		must("finding "+sel, err)
		must("typing into "+sel, el.Input(text))
	}
	submit, err := step().Element("#login_submit")
	must("finding the sign-in button", err)
	must("signing in", submit.Click(proto.InputMouseButtonLeft, 1))
	must("waiting for the login to land", step().Wait(rod.Eval(`() => !location.pathname.endsWith('/hub/login')`)))
	must("opening the room's dashboard", step().Navigate(h.URL+"/services/room/dashboard"))
	must("waiting for the dashboard's stream", step().Wait(rod.Eval(`() => (document.querySelector('#status')?.textContent || '').includes('live')`)))
	return page
}

// waitDashboardNames waits until the dashboard's video card lists every
// attendee, and returns the names it shows.
func waitDashboardNames(t *testing.T, page *rod.Page, people []*attendee) []string {
	t.Helper()
	const namesJS = `() => [...document.querySelectorAll('[data-gate="video"] .clients li[data-client]')].map((li) => li.dataset.client)`
	deadline := time.Now().Add(BrowserCellTimeout)
	var shown []string
	for time.Now().Before(deadline) {
		res, err := page.Eval(namesJS)
		if err != nil {
			t.Fatal(err)
		}
		shown = shown[:0]
		for _, v := range res.Value.Arr() {
			shown = append(shown, v.String())
		}
		all := true
		for _, a := range people {
			all = all && strings.Contains(" "+strings.Join(shown, " ")+" ", " "+a.Name+" ")
		}
		if all {
			return shown
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the host's dashboard never listed every attendee; it shows %q", shown)
	return nil
}

// clickReset presses the dashboard's "Reset counters" button, which posts
// stats/reset through the hub's service to the room's server.
func clickReset(t *testing.T, page *rod.Page) {
	t.Helper()
	btn, err := page.Timeout(BrowserStepTimeout).Element("#reset")
	if err != nil {
		t.Fatalf("host's browser: finding the reset button: %v", err)
	}
	if err := btn.Click(proto.InputMouseButtonLeft, 1); err != nil {
		t.Fatalf("host's browser: pressing the reset button: %v", err)
	}
}
