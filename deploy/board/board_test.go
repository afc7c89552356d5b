package board

import (
	"bufio"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHub answers the parts of JupyterHub's API the board uses: /user for
// tokens it knows, /users, and the OAuth token endpoint, whose codes are the
// users' tokens.
type fakeHub struct {
	mu     sync.Mutex
	tokens map[string]Identity // token -> who
	users  []map[string]any
	asked  int // /user calls
}

func (f *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "token ")
	switch r.URL.Path {
	case "/hub/api/user":
		f.asked++
		id, ok := f.tokens[token]
		if !ok {
			http.Error(w, "bad token", http.StatusForbidden)
			return
		}
		_ = json.NewEncoder(w).Encode(id)
	case "/hub/api/users":
		if token != "board-token" {
			http.Error(w, "bad token", http.StatusForbidden)
			return
		}
		_ = json.NewEncoder(w).Encode(f.users)
	case "/hub/api/oauth2/token":
		_ = r.ParseForm()
		if r.PostForm.Get("client_secret") != "board-token" {
			http.Error(w, "bad client", http.StatusForbidden)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"access_token": r.PostForm.Get("code")})
	default:
		http.NotFound(w, r)
	}
}

// newTestBoard starts a fake hub and a board against it; alice and bob are
// attendees, host is an admin.
func newTestBoard(t testing.TB) (*httptest.Server, *fakeHub, *Server) {
	t.Helper()
	fh := &fakeHub{tokens: map[string]Identity{
		"alice-token": {Kind: "user", Name: "alice"},
		"bob-token":   {Kind: "user", Name: "bob"},
		"host-token":  {Kind: "user", Name: "host", Admin: true},
	}}
	hubSrv := httptest.NewServer(fh)
	t.Cleanup(hubSrv.Close)
	hub := &Hub{API: hubSrv.URL + "/hub/api", Token: "board-token"}
	srv := &Server{
		Prefix: "/services/board/",
		State:  NewState(time.Minute),
		Hub:    hub,
		OAuth: &OAuth{Hub: hub, ClientID: "service-board", AuthorizeURL: hubSrv.URL + "/hub/api/oauth2/authorize",
			CallbackURL: "/services/board/oauth_callback"},
	}
	boardSrv := httptest.NewServer(srv)
	t.Cleanup(boardSrv.Close)
	return boardSrv, fh, srv
}

// post sends a report with token and returns the status.
func post(t testing.TB, base, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/services/board/report", strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestReports(t *testing.T) {
	board, _, srv := newTestBoard(t)
	tests := []struct {
		name, token, body string
		want              int
	}{
		{"a cell", "alice-token", `{"kind":"cell","notebook":"workshop/notebooks/00_start_here.ipynb"}`, 204},
		{"a green test", "alice-token", `{"kind":"test","notebook":"workshop/notebooks/00_start_here.ipynb","passed":true}`, 204},
		{"a red test", "bob-token", `{"kind":"test","notebook":"workshop/notebooks/03_content_warnings_goroutines_attempt.ipynb"}`, 204},
		{"a hand", "bob-token", `{"kind":"hand","raised":true}`, 204},
		{"no token", "", `{"kind":"cell"}`, 403},
		{"a token the hub refuses", "forged", `{"kind":"cell"}`, 403},
		{"naming someone else", "bob-token", `{"kind":"test","notebook":"00_start_here.ipynb","passed":true,"name":"alice"}`, 400},
		{"not a workshop notebook", "bob-token", `{"kind":"test","notebook":"mine.ipynb","passed":true}`, 422},
		{"unknown kind", "bob-token", `{"kind":"grade"}`, 422},
		{"not JSON", "bob-token", `kind=cell`, 400},
		{"too long", "bob-token", `{"kind":"cell","notebook":"` + strings.Repeat("x", MaxReport) + `"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(t, board.URL, tt.token, tt.body); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
	snap := srv.State.Snapshot()
	if len(snap.Rows) != 2 {
		t.Fatalf("rows %+v, want alice and bob", snap.Rows)
	}
	alice, bob := snap.Rows[0], snap.Rows[1]
	if alice.Exercises["00"].State != "green" || alice.Notebook != "00_start_here.ipynb" || alice.Hand != 0 {
		t.Errorf("alice: %+v", alice)
	}
	if bob.Exercises["00"].State != "" || bob.Exercises["03"].State != "red" || bob.Hand == 0 || !bob.Stuck || bob.Why != "hand" {
		t.Errorf("bob (the refused reports must have changed nothing): %+v", bob)
	}
	if got := snap.Totals[0]; got.Green != 1 || got.Red != 0 || got.NotTried != 1 {
		t.Errorf("totals of 00: %+v, want 1 green, 0 red, 1 not tried", got)
	}
	if got := snap.Totals[3]; got.Green != 0 || got.Red != 1 || got.NotTried != 1 {
		t.Errorf("totals of 03: %+v, want 0 green, 1 red, 1 not tried", got)
	}
}

func TestTokenCache(t *testing.T) {
	board, fh, _ := newTestBoard(t)
	for range 5 {
		if got := post(t, board.URL, "alice-token", `{"kind":"cell"}`); got != 204 {
			t.Fatalf("status %d", got)
		}
	}
	fh.mu.Lock()
	defer fh.mu.Unlock()
	if fh.asked != 1 {
		t.Errorf("the hub was asked %d times about one token, want 1", fh.asked)
	}
}

func TestStuck(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	st := NewState(5 * time.Minute)
	st.now = func() time.Time { return now }
	if err := st.Apply("carol", Report{Kind: "test", Notebook: "02_content_warnings_sync.ipynb"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		after time.Duration
		stuck bool
	}{{time.Minute, false}, {5 * time.Minute, false}, {5*time.Minute + time.Second, true}}
	for _, tt := range tests {
		now = time.Unix(1_000_000, 0).Add(tt.after)
		if row := st.Snapshot().Rows[0]; row.Stuck != tt.stuck {
			t.Errorf("red for %v: stuck %v, want %v", tt.after, row.Stuck, tt.stuck)
		}
	}
	if err := st.Apply("carol", Report{Kind: "test", Notebook: "02_content_warnings_sync.ipynb", Passed: true}); err != nil {
		t.Fatal(err)
	}
	if row := st.Snapshot().Rows[0]; row.Stuck || row.Exercises["02"].State != "green" {
		t.Errorf("green again: %+v", row)
	}
}

func TestNamesAndBounds(t *testing.T) {
	st := NewState(0)
	for _, bad := range []string{"", "Alice", "a b", "../etc", strings.Repeat("a", 33), "<script>"} {
		if err := st.Apply(bad, Report{Kind: "cell"}); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	var users []HubUser
	for i := range MaxAttendees + 10 {
		users = append(users, HubUser{Name: "u" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + strconv.Itoa(i)})
	}
	users = append(users, HubUser{Name: "host", Admin: true}, HubUser{Name: "Bad Name"})
	st.SetUsers(users)
	if n := len(st.Snapshot().Rows); n != MaxAttendees {
		t.Errorf("%d rows, want the bound %d", n, MaxAttendees)
	}
	st.SetUsers(nil)
	if n := len(st.Snapshot().Rows); n != 0 {
		t.Errorf("%d rows after the hub listed nobody, want 0", n)
	}
}

// loginTB runs the OAuth dance for token's user with a browser-like client
// and returns it and the status of the page it lands on.
func loginTB(t testing.TB, board, token string) (*http.Client, int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasSuffix(req.URL.Path, "/oauth2/authorize") {
			// The hub's authorize page: it sends the browser back with a code.
			q := req.URL.Query()
			back, _ := url.Parse(board + q.Get("redirect_uri"))
			back.RawQuery = url.Values{"code": {token}, "state": {q.Get("state")}}.Encode()
			*req.URL = *back
			req.Host = back.Host
		}
		return nil
	}}
	resp, err := c.Get(board + "/services/board/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c, resp.StatusCode
}

func TestOnlyAdminsOpenTheBoard(t *testing.T) {
	board, _, srv := newTestBoard(t)
	if c, status := loginTB(t, board.URL, "alice-token"); status != http.StatusForbidden {
		t.Errorf("an attendee opening the board: status %d, want 403", status)
	} else if resp, err := c.Get(board.URL + "/services/board/state"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("an attendee reading the state: status %d, want 401", resp.StatusCode)
		}
	}
	c, status := loginTB(t, board.URL, "host-token")
	if status != http.StatusOK {
		t.Fatalf("the host opening the board: status %d, want 200", status)
	}
	if post(t, board.URL, "bob-token", `{"kind":"hand","raised":true}`) != 204 {
		t.Fatal("bob's hand refused")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, board.URL+"/services/board/events", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var snap Snapshot
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(data), &snap); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if len(snap.Rows) != 1 || snap.Rows[0].Hand == 0 {
		t.Fatalf("the stream's first event: %+v, want bob's hand up", snap)
	}
	// Clearing needs the page's CSRF token.
	clear := func(csrf string) int {
		req, _ := http.NewRequest(http.MethodPost, board.URL+"/services/board/hand/clear?name=bob", nil)
		req.Header.Set("X-Board-CSRF", csrf)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := clear("guess"); got != http.StatusForbidden {
		t.Errorf("clearing without the page's token: %d, want 403", got)
	}
	_, csrf, _ := srv.OAuth.Session(&http.Request{Header: http.Header{"Cookie": {jarCookie(c, board.URL)}}})
	if got := clear(csrf); got != http.StatusNoContent {
		t.Errorf("clearing: %d, want 204", got)
	}
	if srv.State.Snapshot().Rows[0].Hand != 0 {
		t.Error("bob's hand still up after the host cleared it")
	}
}

// jarCookie returns the board's session cookie as a Cookie header.
func jarCookie(c *http.Client, base string) string {
	u, _ := url.Parse(base + "/services/board/")
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == sessionCookie {
			return k.String()
		}
	}
	return ""
}

func TestServerStates(t *testing.T) {
	_, fh, srv := newTestBoard(t)
	server := func(ready bool, pending any) map[string]any {
		return map[string]any{"": map[string]any{"ready": ready, "pending": pending}}
	}
	steps := []struct {
		users map[string]map[string]any // name -> servers
		want  map[string]string
	}{
		{map[string]map[string]any{"ann": {}, "ben": server(false, "spawn"), "cat": server(true, nil)},
			map[string]string{"ann": SignedIn, "ben": Starting, "cat": Running}},
		{map[string]map[string]any{"ann": {}, "ben": server(true, nil), "cat": {}},
			map[string]string{"ann": SignedIn, "ben": Running, "cat": Stopped}},
		{map[string]map[string]any{"ann": server(false, "spawn"), "ben": server(true, "stop"), "cat": server(true, nil)},
			map[string]string{"ann": Starting, "ben": Running, "cat": Running}},
	}
	for i, step := range steps {
		fh.mu.Lock()
		fh.users = []map[string]any{{"name": "host", "admin": true, "servers": server(true, nil)}}
		for name, servers := range step.users {
			fh.users = append(fh.users, map[string]any{"name": name, "servers": servers})
		}
		fh.mu.Unlock()
		users, err := srv.Hub.Users(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		srv.State.SetUsers(users)
		got := map[string]string{}
		for _, r := range srv.State.Snapshot().Rows {
			got[r.Name] = r.Server
		}
		if !maps.Equal(got, step.want) {
			t.Errorf("step %d: servers %v, want %v (the host, an admin, has no row)", i, got, step.want)
		}
	}
}
