package board

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeJupyter answers the contents API of the attendees' servers under
// /user/<name>/, for the board's token only, from notebooks by
// "<name>/<notebook>"; it records the paths it was asked.
type fakeJupyter struct {
	mu        sync.Mutex
	notebooks map[string]string // "<name>/<file>" -> the contents API's answer
	asked     []string
}

func (f *fakeJupyter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, r.URL.Path)
	if r.Header.Get("Authorization") != "token board-token" {
		http.Error(w, "bad token", http.StatusForbidden)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/user/")
	name, file, _ := strings.Cut(rest, "/api/contents/"+NotebookDir+"/")
	if !ok || r.URL.Query().Get("content") != "1" {
		http.NotFound(w, r)
		return
	}
	if name == "dave" { // a server that does not grant the board access
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if name == "carol" { // a stopped server: the hub's spawn page
		http.Redirect(w, r, "/hub/user/carol/", http.StatusFound)
		return
	}
	body, ok := f.notebooks[name+"/"+file]
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = io.WriteString(w, body)
}

// nbJSON is a contents API answer holding cells.
func nbJSON(t *testing.T, cells ...map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"type": "notebook", "content": map[string]any{"nbformat": 4, "cells": cells}})
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// ownTags are the only elements the view page itself writes.
var ownTags = []string{"a", "b", "body", "div", "h1", "head", "html", "meta", "nav", "p", "pre", "style", "title"}

var tagPattern = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)`)

func TestViewNotebook(t *testing.T) {
	board, _, srv := newTestBoard(t)
	fj := &fakeJupyter{notebooks: map[string]string{
		"bob/03_content_warnings_goroutines_attempt.ipynb": nbJSON(t,
			map[string]any{"cell_type": "markdown", "source": []string{"## Retry\n", "Use a **WaitGroup**."}},
			map[string]any{"cell_type": "code", "source": "wg.Add(1)\ngo fetch(id)", "outputs": []map[string]any{
				{"output_type": "stream", "name": "stdout", "text": []string{"fetched 3 of 10\n"}},
				{"output_type": "execute_result", "data": map[string]any{"text/plain": "42"}},
				{"output_type": "error", "ename": "panic", "evalue": "sync: negative WaitGroup counter",
					"traceback": []string{"\x1b[31mgoroutine 1 [running]:\x1b[0m"}},
			}},
		),
		"bob/00_start_here.ipynb": nbJSON(t,
			map[string]any{"cell_type": "markdown", "source": `<script>alert("md")</script><img src=x onerror=alert(1)>`},
			map[string]any{"cell_type": "code", "source": "%%html\n<b>hi</b>", "outputs": []map[string]any{
				{"output_type": "display_data", "data": map[string]any{
					"text/html":  `<script>fetch("/hub/api/users/host/tokens",{method:"POST"})</script>`,
					"text/plain": "<IPython.core.display.HTML object>",
					"image/png":  "iVBORw0KGgo=",
				}},
			}},
			map[string]any{"cell_type": `"><script>x</script>`, "source": "raw"},
		),
		"bob/01_snippets_from_the_slides.ipynb": `{"content":{"cells":[{"cell_type":"markdown","source":"` +
			strings.Repeat("x", MaxNotebookView) + `"}]}}`,
	}}
	jupyter := httptest.NewServer(fj)
	t.Cleanup(jupyter.Close)
	srv.Hub.Servers = jupyter.URL + "/"
	if post(t, board.URL, "bob-token", `{"kind":"cell","notebook":"workshop/notebooks/03_content_warnings_goroutines_attempt.ipynb"}`) != 204 {
		t.Fatal("bob's report refused")
	}
	srv.State.SetUsers([]HubUser{{Name: "bob", Server: Running}, {Name: "carol"}, {Name: "dave"}, {Name: "host", Admin: true}})
	host, status := loginTB(t, board.URL, "host-token")
	if status != http.StatusOK {
		t.Fatalf("the host's login: %d", status)
	}
	get := func(c *http.Client, query string) (int, string, http.Header) {
		t.Helper()
		resp, err := c.Get(board.URL + "/services/board/view?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}

	tests := []struct {
		name, query string
		status      int
		want, not   []string
	}{
		{"the notebook bob is in: code and text outputs", "name=bob", 200,
			[]string{"bob: 03_content_warnings_goroutines_attempt.ipynb", "## Retry\nUse a **WaitGroup**.", "wg.Add(1)\ngo fetch(id)",
				"fetched 3 of 10", ">42<", "panic: sync: negative WaitGroup counter\ngoroutine 1 [running]:"},
			[]string{"\x1b"}},
		{"scripts and HTML are text, not markup", "name=bob&notebook=00_start_here.ipynb", 200,
			[]string{`&lt;script&gt;alert(&#34;md&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;`,
				"&lt;IPython.core.display.HTML object&gt;", "not shown here: a image/png, text/html output"},
			[]string{"fetch(", "iVBORw0KGgo", "<script", "<img"}},
		{"too large", "name=bob&notebook=01_snippets_from_the_slides.ipynb", http.StatusRequestEntityTooLarge,
			[]string{"larger than 4 MiB", "the board does not show it"}, nil},
		{"a notebook bob does not have", "name=bob&notebook=07_pitfalls.ipynb", 404, []string{"no such notebook"}, nil},
		{"a stopped server", "name=carol&notebook=00_start_here.ipynb", 502, []string{"does not answer"}, nil},
		{"no access to the server", "name=dave&notebook=00_start_here.ipynb", 502, []string{"needs access:servers"}, nil},
		{"up out of the notebooks", "name=bob&notebook=../../.jupyter/jupyter_server_config.json", 400, []string{"workshop's notebooks only"}, nil},
		{"a notebook's name with a path", "name=bob&notebook=../notebooks/00_start_here.ipynb", 400, []string{"workshop's notebooks only"}, nil},
		{"an attendee's own notebook", "name=bob&notebook=mine.ipynb", 400, []string{"workshop's notebooks only"}, nil},
		{"the host's server", "name=host&notebook=00_start_here.ipynb", 404, []string{"no attendee"}, nil},
		{"a name with a path", "name=../bob&notebook=00_start_here.ipynb", 404, []string{"no attendee"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fj.mu.Lock()
			before := len(fj.asked)
			fj.mu.Unlock()
			status, body, header := get(host, tt.query)
			if status != tt.status {
				t.Errorf("status %d, want %d: %.300s", status, tt.status, body)
			}
			if got := header.Get("Content-Security-Policy"); got != ViewCSP {
				t.Errorf("CSP %q, want %q", got, ViewCSP)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q:\n%.2000s", w, body)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(body, n) {
					t.Errorf("the page holds %q:\n%.2000s", n, body)
				}
			}
			for _, m := range tagPattern.FindAllStringSubmatch(body, -1) {
				if !slices.Contains(ownTags, strings.ToLower(m[1])) {
					t.Errorf("the page holds a <%s> element not of its own", m[1])
				}
			}
			fj.mu.Lock()
			asked := fj.asked[before:]
			fj.mu.Unlock()
			if tt.status == 400 || tt.want[0] == "no attendee" {
				if len(asked) != 0 {
					t.Errorf("the board asked an attendee's server for %v", asked)
				}
			}
		})
	}
}

func TestViewOnlyForAdmins(t *testing.T) {
	board, _, srv := newTestBoard(t)
	fj := &fakeJupyter{notebooks: map[string]string{"bob/00_start_here.ipynb": nbJSON(t, map[string]any{"cell_type": "code", "source": "secret := 1"})}}
	jupyter := httptest.NewServer(fj)
	t.Cleanup(jupyter.Close)
	srv.Hub.Servers = jupyter.URL
	srv.State.SetUsers([]HubUser{{Name: "alice"}, {Name: "bob", Server: Running}})
	alice, status := loginTB(t, board.URL, "alice-token")
	if status != http.StatusForbidden {
		t.Errorf("alice's login to the board: %d, want 403", status)
	}
	host, _ := loginTB(t, board.URL, "host-token")
	for _, tt := range []struct {
		who    string
		c      *http.Client
		status int
	}{{"an attendee", alice, 401}, {"nobody logged in", http.DefaultClient, 401}, {"the host", host, 200}} {
		resp, err := tt.c.Get(board.URL + "/services/board/view?name=bob&notebook=00_start_here.ipynb")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.status == 200) != strings.Contains(string(body), "secret := 1") {
			t.Errorf("%s viewing bob's notebook: %d, want %d: %.200s", tt.who, resp.StatusCode, tt.status, body)
		}
	}
}

// TestNotebooksAreTheWorkshops keeps Notebooks the workshop's notebooks.
func TestNotebooksAreTheWorkshops(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "notebooks", "*.ipynb"))
	if err != nil || len(files) == 0 {
		t.Fatalf("the workshop's notebooks: %v %v", files, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if !slices.Equal(names, Notebooks) {
		t.Errorf("Notebooks %v, the workshop has %v", Notebooks, names)
	}
}
