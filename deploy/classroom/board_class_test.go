package classroom

import (
	"encoding/json"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/deploy/board"
)

// TestBoard runs a class with its board: the host opens the board (the
// hub's OAuth, admins only) and follows its live stream while three
// attendees sign in. ann solves notebook 00's exercise (green), ben runs its
// untouched stub (red), cat never starts a server. Each shows on the stream
// within ReportDeadline of the test cell's end, and the room's totals match.
// A fourth client holding ann's token cannot report for ben, nor can a
// forged token report at all; ben cannot open the board. ben raises his
// hand through his server's "Raise my hand" page; the host sees it and, in
// Chromium, clears it (boardBrowser). The host reads ben's notebook from
// his row (the board's read-only view); the host stops ben's server and his
// row says stopped.
func TestBoard(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a JupyterHub class with a GoNB kernel (make setup); skipped in -short (the fast layer)")
	}
	h := startHub(t, "VIDEO_SERVER_LATENCY_SCALE="+LatencyScale, "CLASSROOM_MAX_SERVERS=4")
	ctx, cancel := withTimeout(t, 20*time.Minute)
	defer cancel()

	host := newAttendee(h, h.Admin)
	host.Password = h.AdminPassword
	if err := host.login(ctx, host.Password); err != nil {
		t.Fatalf("the host's login: %v", err)
	}
	status, page, err := openBoard(ctx, host)
	if err != nil || status != http.StatusOK || !strings.Contains(page, "Class board") {
		t.Fatalf("the host opening the board: %d %v\n%.400s", status, err, page)
	}
	live := followBoard(ctx, t, host)

	ann, ben, cat := newAttendee(h, "ann"), newAttendee(h, "ben"), newAttendee(h, "cat")
	for _, a := range []*attendee{ann, ben} {
		if err := a.join(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := cat.joinWithoutServer(ctx); err != nil {
		t.Fatal(err)
	}
	live.waitFor(t, "the three attendees signed in", 10*time.Second, func(s board.Snapshot) bool {
		return len(s.Rows) == 3
	})

	t.Run("not an admin", func(t *testing.T) {
		status, page, _ := openBoard(ctx, ben)
		if status == http.StatusOK || strings.Contains(page, "Class board") {
			t.Errorf("an attendee opened the board: status %d\n%.300s", status, page)
		}
	})

	// ann and ben work at the same time, as a room does.
	type result struct {
		ended  time.Time
		passed bool
		err    error
	}
	results := map[string]*result{"ann": {}, "ben": {}}
	var wg sync.WaitGroup
	for _, w := range []struct {
		a     *attendee
		solve bool
	}{{ann, true}, {ben, false}} {
		wg.Go(func() {
			r := results[w.a.Name]
			if _, r.err = w.a.spawn(ctx); r.err == nil {
				r.ended, r.passed, r.err = runExercise(ctx, w.a, w.solve)
			}
		})
	}
	// ann's green, seen while ben may still be running.
	wg.Wait()
	for name, r := range results {
		if r.err != nil {
			t.Fatalf("%s: %v", name, r.err)
		}
	}
	if !results["ann"].passed || results["ben"].passed {
		t.Fatalf("the exercise's test: ann passed %v (want true), ben passed %v (want false)", results["ann"].passed, results["ben"].passed)
	}
	deadline := ReportDeadline - time.Since(results["ann"].ended)
	took := live.waitFor(t, "ann green, ben red, cat signed in", max(deadline, 0), func(s board.Snapshot) bool {
		a, _ := row(s, "ann")
		b, _ := row(s, "ben")
		c, _ := row(s, "cat")
		// Running comes from the hub's list, which the board reads every
		// few seconds: a report can arrive before it says so.
		return a.Exercises["00"].State == "green" && b.Exercises["00"].State == "red" &&
			a.Server == board.Running && b.Server == board.Running &&
			c.Server == board.SignedIn && len(c.Exercises) == 0
	})
	t.Logf("the board showed both results %v after the later test cell ended", took+ReportDeadline-deadline)
	snap := live.last
	if got := snap.Totals[0]; got.Green != 1 || got.Red != 1 || got.NotTried != 1 {
		t.Errorf("room totals of 00: %+v, want 1 green, 1 red, 1 not tried", got)
	}
	for _, tot := range snap.Totals[1:] {
		if tot.Green != 0 || tot.Red != 0 || tot.NotTried != 3 {
			t.Errorf("room totals of %s: %+v, want 3 not tried", tot.ID, tot)
		}
	}
	for _, name := range []string{"ann", "ben"} {
		if r, _ := row(snap, name); r.Server != board.Running || r.Notebook != "00_start_here.ipynb" || r.LastCell == 0 {
			t.Errorf("%s's row: %+v, want running in 00_start_here.ipynb with a last cell", name, r)
		}
	}

	t.Run("one token reports for one attendee", func(t *testing.T) {
		token, err := ann.apiToken(ctx)
		if err != nil {
			t.Fatalf("ann's token: %v", err)
		}
		forBen := `{"kind":"test","notebook":"00_start_here.ipynb","passed":false,"name":"ben"}`
		if got, err := reportTo(ctx, h, token, forBen); err != nil || got != http.StatusBadRequest {
			t.Errorf("ann's token reporting for ben: %d %v, want 400", got, err)
		}
		if got, err := reportTo(ctx, h, "forged-"+token[:8], `{"kind":"hand","raised":true}`); err != nil || got != http.StatusForbidden {
			t.Errorf("a forged token: %d %v, want 403", got, err)
		}
		// The same token, reporting for its owner, is taken (so the
		// refusals above are the board's, not a broken path).
		if got, err := reportTo(ctx, h, token, `{"kind":"cell","notebook":"01_snippets_from_the_slides.ipynb"}`); err != nil || got != http.StatusNoContent {
			t.Fatalf("ann's token reporting for ann: %d %v, want 204", got, err)
		}
		live.waitFor(t, "ann in notebook 01, ben still red", ReportDeadline, func(s board.Snapshot) bool {
			a, _ := row(s, "ann")
			b, _ := row(s, "ben")
			return a.Notebook == "01_snippets_from_the_slides.ipynb" && b.Exercises["00"].State == "red" && b.Hand == 0
		})
	})

	t.Run("a raised hand", func(t *testing.T) {
		var answer struct {
			Raised  bool   `json:"raised"`
			Message string `json:"message"`
		}
		raw, _, err := ben.do(ctx, http.MethodPost, h.URL+ben.serverPath("raise-hand/raise"), nil,
			http.Header{"X-Workshop-Hand": {"1"}, "X-XSRFToken": {ben.cookie(ben.serverPath(""), "_xsrf")}})
		if err != nil {
			t.Fatalf("ben raising his hand on his server's page: %v", err)
		}
		if err := json.Unmarshal(raw, &answer); err != nil || !answer.Raised {
			t.Fatalf("the hand page answered %s", raw)
		}
		live.waitFor(t, "ben's hand up", ReportDeadline, func(s board.Snapshot) bool {
			b, _ := row(s, "ben")
			return b.Hand != 0 && b.Stuck && b.Why == "hand" && s.Stuck == 1
		})
		boardBrowser(t, h, host, "ben")
		live.waitFor(t, "ben's hand down after the host cleared it", ReportDeadline, func(s board.Snapshot) bool {
			b, _ := row(s, "ben")
			return b.Hand == 0
		})
	})
	t.Run("one click to help", func(t *testing.T) {
		// The row's "view notebook": the board reads ben's notebook from his
		// server and shows it as text (never his JupyterLab on the hub's
		// origin, whose pages ben controls).
		raw, err := os.ReadFile(filepath.Join("..", "..", "notebooks", board.Notebooks[0]))
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Cells []struct {
				Source []string `json:"source"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(raw, &nb); err != nil || len(nb.Cells) < 2 || len(nb.Cells[1].Source) == 0 {
			t.Fatalf("reading %s: %v", board.Notebooks[0], err)
		}
		line := strings.TrimSpace(nb.Cells[1].Source[0])
		if line == "" {
			t.Fatalf("%s's second cell starts with an empty line: choose another", board.Notebooks[0])
		}
		page, resp, err := host.do(ctx, http.MethodGet, h.URL+boardPath+"view?name=ben", nil, nil)
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(page), html.EscapeString(line)) {
			t.Fatalf("the host viewing ben's notebook: %v, want %q in:\n%.600s", err, line, page)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); csp != board.ViewCSP || strings.Contains(string(page), "<script") {
			t.Errorf("ben's notebook's page: CSP %q, want %q, and no script", csp, board.ViewCSP)
		}
	})

	t.Run("stopped", func(t *testing.T) {
		_, _, err := host.do(ctx, http.MethodDelete, h.URL+"/hub/api/users/ben/server", nil,
			http.Header{"X-XSRFToken": {host.cookie("/hub/", "_xsrf")}})
		if err != nil {
			t.Fatalf("the host stopping ben's server: %v", err)
		}
		live.waitFor(t, "ben stopped", HubStopTimeout, func(s board.Snapshot) bool {
			b, _ := row(s, "ben")
			return b.Server == board.Stopped
		})
	})
	h.stop(t, syscall.SIGINT)
}
