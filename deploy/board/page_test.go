package board

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/internal/chromium"
)

// PageStepTimeout bounds each step of the page test in Chromium.
const PageStepTimeout = time.Minute

// TestPage opens the board in headless Chromium as the host (the login
// through a fake hub's authorize page) with a room of two: ann green on 00,
// ben red with his hand up. The page must show both rows and the totals;
// narrowed to a side panel, each exercise must still be a visible square;
// the hand's clear button must lower the hand on the board. The classroom's
// TestBoard does the same against a real hub.
func TestPage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs headless Chromium; skipped in -short")
	}
	_, fh, srv := newTestBoard(t)
	board := httptest.NewServer(srv)
	t.Cleanup(board.Close)
	// The fake hub's authorize page sends the browser straight back with
	// the host's token as the code, as the real hub does for an admin.
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hub/api/oauth2/authorize" {
			fh.ServeHTTP(w, r)
			return
		}
		back := board.URL + r.URL.Query().Get("redirect_uri") + "?" + url.Values{"code": {"host-token"}, "state": {r.URL.Query().Get("state")}}.Encode()
		http.Redirect(w, r, back, http.StatusFound)
	}))
	t.Cleanup(hub.Close)
	srv.Hub.API = hub.URL + "/hub/api"
	srv.OAuth.AuthorizeURL = hub.URL + "/hub/api/oauth2/authorize"
	for _, r := range []struct {
		name string
		rep  Report
	}{
		{"ann", Report{Kind: "test", Notebook: "00_start_here.ipynb", Passed: true}},
		{"ben", Report{Kind: "test", Notebook: "00_start_here.ipynb"}},
		{"ben", Report{Kind: "hand", Raised: true}},
	} {
		if err := srv.State.Apply(r.name, r.rep); err != nil {
			t.Fatal(err)
		}
	}

	page := chromium.Start(t, chromium.Options{}).Page(t)
	step := func() *rod.Page { return page.Timeout(PageStepTimeout) }
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("opening the board", step().Navigate(board.URL+"/services/board/"))
	must("waiting for the room", step().Wait(rod.Eval(`() => {
		const live = document.getElementById('live');
		return live && live.textContent === 'live' && document.querySelectorAll('tr[data-name]').length === 2 &&
			document.querySelector('.total[data-ex="00"] .counts').textContent === '1 green, 1 red, 0 not tried';
	}`)))
	must("narrowing to a side panel", page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: 420, Height: 640, DeviceScaleFactor: 1}))
	sizes, err := step().Eval(`() => [...document.querySelectorAll('tr[data-name="ann"] .cell')].map((c) => {
		const r = c.getBoundingClientRect();
		return Math.min(r.width, r.height);
	})`)
	must("measuring the exercises' squares", err)
	for i, v := range sizes.Value.Arr() {
		if v.Num() < 8 {
			t.Errorf("in a side panel, exercise %d of ann's row is %.0f px: not visible", i, v.Num())
		}
	}
	// Each square sits under its exercise's heading.
	misplaced, err := step().Eval(`() => {
		const heads = [...document.querySelectorAll('thead th.ex')];
		return [...document.querySelectorAll('tr[data-name="ann"] .cell')].filter((c, i) => {
			const r = c.getBoundingClientRect(), h = heads[i].getBoundingClientRect();
			const mid = (r.left + r.right) / 2;
			return mid < h.left || mid > h.right;
		}).map((c) => c.dataset.ex);
	}`)
	must("comparing squares and headings", err)
	if n := len(misplaced.Value.Arr()); n != 0 {
		t.Errorf("in a side panel, ann's squares of %v are not under their headings", misplaced.Value)
	}
	clear, err := step().Element(`tr[data-name="ben"] button[data-clear]`)
	must("finding ben's clear button", err)
	must("clearing ben's hand", clear.Click(proto.InputMouseButtonLeft, 1))
	deadline := time.Now().Add(PageStepTimeout)
	for srv.State.Snapshot().Rows[1].Hand != 0 {
		if time.Now().After(deadline) {
			t.Fatal("ben's hand is still up on the board after the host pressed clear")
		}
		time.Sleep(50 * time.Millisecond)
	}
	must("waiting for the row to show it", step().Wait(rod.Eval(`() =>
		document.querySelector('tr[data-name="ben"] button[data-clear]') === null`)))
}
