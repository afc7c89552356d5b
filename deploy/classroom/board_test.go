package classroom

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/deploy/board"
	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

// ReportDeadline is how soon after a test cell ends the board's stream must
// show its result (the "within 5 s").
const ReportDeadline = 5 * time.Second

// boardPath is the board's page under the hub.
const boardPath = "/services/board/"

// stream follows the board's Server-Sent Events as the host's browser does
// and keeps the latest room.
type stream struct {
	mu   sync.Mutex
	last board.Snapshot
	seen int
	err  error
}

// followBoard opens the board's stream with the host's cookies.
func followBoard(ctx context.Context, t *testing.T, host *attendee) *stream {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, host.hub.URL+boardPath+"events", nil)
	req.Header.Set("Accept", "text/event-stream")
	c := &http.Client{Jar: host.client.Jar, Transport: host.client.Transport}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("opening the board's stream: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("the board's stream answered %s (%s)", resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &stream{}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var snap board.Snapshot
			err := json.Unmarshal([]byte(data), &snap)
			s.mu.Lock()
			s.last, s.seen, s.err = snap, s.seen+1, err
			s.mu.Unlock()
		}
	}()
	return s
}

// waitFor waits up to d for the stream to show a room where ok holds, and
// returns that room and how long it took; on timeout it fails with the last
// room seen.
func (s *stream) waitFor(t *testing.T, what string, d time.Duration, ok func(board.Snapshot) bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		s.mu.Lock()
		last, err := s.last, s.err
		s.mu.Unlock()
		if err != nil {
			t.Fatalf("the board's stream sent an event that is not a room: %v", err)
		}
		if ok(last) {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("the board's stream did not show %s within %v; last room: %+v", what, d, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// row returns name's row of a room.
func row(s board.Snapshot, name string) (board.Row, bool) {
	for _, r := range s.Rows {
		if r.Name == name {
			return r, true
		}
	}
	return board.Row{}, false
}

// openBoard opens the board's page as a's browser would, following the
// hub's OAuth, and returns the final status and page.
func openBoard(ctx context.Context, a *attendee) (int, string, error) {
	body, resp, err := a.do(ctx, http.MethodGet, a.hub.URL+boardPath, nil, nil)
	if resp == nil {
		return 0, "", err
	}
	return resp.StatusCode, string(body), nil
}

// boardCSRF finds the token the board's page sends with the host's actions.
var boardCSRF = regexp.MustCompile(`const csrf = "([0-9a-f]+)"`)

// apiToken asks the hub for a new token of a's own, as a's browser could
// (the token page); the fourth client of TestBoard holds it.
func (a *attendee) apiToken(ctx context.Context) (string, error) {
	h := http.Header{"X-XSRFToken": {a.cookie("/hub/", "_xsrf")}, "Content-Type": {"application/json"}}
	raw, _, err := a.do(ctx, http.MethodPost, a.hub.URL+"/hub/api/users/"+url.PathEscape(a.Name)+"/tokens",
		strings.NewReader(`{"note":"board test","expires_in":600}`), h)
	if err != nil {
		return "", err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(raw, &tok); err != nil || tok.Token == "" {
		return "", fmt.Errorf("no token in %.200s", raw)
	}
	return tok.Token, nil
}

// reportTo sends a report to the board as an attendee's server does, with
// token, and returns the status.
func reportTo(ctx context.Context, h *hub, token, body string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.URL+boardPath+"report", strings.NewReader(body))
	req.Header.Set("Authorization", "token "+token)
	resp, err := h.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// runExercise opens notebook 00 in a's server and runs, over the kernel
// protocol, its module link cell and then either the exercise's solution
// (all declarations before the stub, then the solution) or the untouched
// stub, then the %test cell. It returns when the test cell's reply came, and
// whether the test passed.
func runExercise(ctx context.Context, a *attendee, solve bool) (time.Time, bool, error) {
	const path = "workshop/notebooks/00_start_here.ipynb"
	var doc struct {
		Content json.RawMessage `json:"content"`
	}
	if err := a.api(ctx, http.MethodGet, "api/contents/"+path+"?type=notebook&content=1", nil, &doc); err != nil {
		return time.Time{}, false, err
	}
	nb, err := ipynb.Parse("00_start_here", doc.Content)
	if err != nil {
		return time.Time{}, false, err
	}
	ex, err := nb.Exercise()
	if err != nil {
		return time.Time{}, false, err
	}
	cells := []string{nb.Cells[0].Source, ex.Stub.Source, ex.Test.Source}
	for _, c := range nb.Cells {
		if c.Type == "code" && strings.Contains(c.Source, "go mod edit") {
			cells[0] = c.Source
		}
	}
	if solve {
		sol, err := nb.WithSolution("${GONB_DIR}/..")
		if err != nil {
			return time.Time{}, false, err
		}
		cells = []string{cells[0], sol.Cells[0].Source, sol.Cells[1].Source}
	}
	k, err := a.openNotebook(ctx, path)
	if err != nil {
		return time.Time{}, false, err
	}
	defer k.close(context.Background())
	var last cellRun
	for _, src := range cells {
		if last, err = k.execute(ctx, src); err != nil {
			return time.Time{}, false, err
		}
	}
	return time.Now(), last.Status == "ok", nil
}

// joinWithoutServer signs a up and logs them in without following the
// login's redirect, which would start their server: an attendee who signed
// in and has not started yet.
func (a *attendee) joinWithoutServer(ctx context.Context) error {
	msg, err := a.signUp(ctx, a.hub.Code)
	if err != nil {
		return err
	}
	if !strings.Contains(msg, "successful") {
		return fmt.Errorf("sign-up of %q refused: %s", a.Name, msg)
	}
	page, _, err := a.do(ctx, http.MethodGet, a.hub.URL+"/hub/login", nil, nil)
	if err != nil {
		return err
	}
	m := xsrfField.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("the login page has no _xsrf field")
	}
	form := url.Values{"_xsrf": {string(m[1])}, "username": {a.Name}, "password": {a.Password}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.hub.URL+"/hub/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", a.hub.URL+"/hub/")
	stay := *a.client
	stay.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := stay.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || strings.HasSuffix(resp.Header.Get("Location"), "/hub/login") {
		return fmt.Errorf("login of %q: %s to %q, want a redirect away from the login page", a.Name, resp.Status, resp.Header.Get("Location"))
	}
	return nil
}
