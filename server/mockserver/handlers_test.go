package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// newTestServer returns a server with no latency and a small catalogue.
func newTestServer(t testing.TB) *server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.LatencyScale = 0
	cfg.Videos = 200
	s, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.streams.close) // stops the snapshot loop the requests start
	return s
}

// do sends one request through app.Test and returns status, headers and body.
func do(t *testing.T, s *server, method, target, body string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// getJSON requests target and decodes a 200 JSON answer into v.
func getJSON(t *testing.T, s *server, method, target, body string, v any) {
	t.Helper()
	code, h, b := do(t, s, method, target, body)
	if code != http.StatusOK {
		t.Fatalf("%s %s: status %d, body %s", method, target, code, b)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q", method, target, ct)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s %s: %v in %s", method, target, err, b)
	}
}

func TestListVideos(t *testing.T) {
	s := newTestServer(t)
	all := s.db.IDs(s.db.Len())
	tests := []struct {
		target string
		want   int
	}{
		{"/videos", defaultListSize},
		{"/videos/", defaultListSize},
		{"/videos?n=1", 1},
		{"/videos?n=5", 5},
		{"/videos?n=200", 200},
	}
	for _, tt := range tests {
		var ids []string
		getJSON(t, s, "GET", tt.target, "", &ids)
		if len(ids) != tt.want || fmt.Sprint(ids) != fmt.Sprint(all[:tt.want]) {
			t.Errorf("GET %s: %d ids, want the first %d", tt.target, len(ids), tt.want)
		}
	}
}

func TestVideoTranscriptPatch(t *testing.T) {
	s := newTestServer(t)
	id := s.db.IDs(1)[0]

	var v map[string]any
	getJSON(t, s, "GET", "/videos/"+id, "", &v)
	for _, k := range []string{"id", "title", "description", "upload_date", "views", "warnings"} {
		if _, ok := v[k]; !ok {
			t.Errorf("video lacks %q: %v", k, v)
		}
	}
	if _, ok := v["transcript"]; ok || len(v) != 6 {
		t.Errorf("video has fields %v, want exactly the six public ones", v)
	}
	if w, ok := v["warnings"].([]any); !ok || len(w) != 0 {
		t.Errorf("warnings = %#v, want []", v["warnings"])
	}

	var tr string
	getJSON(t, s, "GET", "/videos/"+id+"/transcript", "", &tr)
	if want, _ := s.db.Transcript(id); tr != want {
		t.Errorf("transcript differs from the stored one")
	}

	var ok string
	getJSON(t, s, "PATCH", "/videos/"+id, `{"warnings": ["mentions NASA"]}`, &ok)
	if ok != "success" {
		t.Errorf("PATCH answered %q", ok)
	}
	var after struct{ Warnings []string }
	getJSON(t, s, "GET", "/videos/"+id, "", &after)
	if fmt.Sprint(after.Warnings) != "[mentions NASA]" {
		t.Errorf("warnings after PATCH = %v", after.Warnings)
	}
	getJSON(t, s, "PATCH", "/videos/"+id, `{"warnings": []}`, &ok)
	getJSON(t, s, "GET", "/videos/"+id, "", &after)
	if len(after.Warnings) != 0 {
		t.Errorf("warnings after clearing = %v", after.Warnings)
	}
}

func TestStatsAndReset(t *testing.T) {
	s := newTestServer(t)
	id := s.db.IDs(1)[0]
	for range 3 {
		do(t, s, "GET", "/videos/"+id, "")
	}
	do(t, s, "GET", "/videos?n=2", "")
	var st map[string]map[string]int
	getJSON(t, s, "GET", "/stats", "", &st)
	for _, name := range []string{endpoints.VideosList, endpoints.Video, endpoints.Transcript, endpoints.Patch, endpoints.Posts, endpoints.Tiles, endpoints.Weather} {
		if len(st[name]) != 7 {
			t.Errorf("stats[%q] = %v, want 7 counters", name, st[name])
		}
	}
	if st[endpoints.Video]["served"] != 3 || st[endpoints.VideosList]["served"] != 1 || st[endpoints.Video]["peak_in_flight"] != 1 {
		t.Errorf("stats = %v, want video served 3 and list served 1", st)
	}
	var ok string
	getJSON(t, s, "POST", "/stats/reset", "", &ok)
	getJSON(t, s, "GET", "/stats", "", &st)
	for name, c := range st {
		for k, v := range c {
			if v != 0 {
				t.Errorf("after reset %s.%s = %d", name, k, v)
			}
		}
	}
}

func TestPosts(t *testing.T) {
	s := newTestServer(t)
	for _, id := range []int{1, 10, 11, 100} {
		var p post
		getJSON(t, s, "GET", fmt.Sprintf("/posts/%d", id), "", &p)
		if p.ID != id || p.UserID != (id-1)/postsPerUser+1 || p.Title == "" || p.Body == "" {
			t.Errorf("post %d = %+v", id, p)
		}
	}
}

func TestTiles(t *testing.T) {
	s := newTestServer(t)
	get := func(path string) []byte {
		code, h, b := do(t, s, "GET", path, "")
		if code != 200 || h.Get("Content-Type") != "image/png" {
			t.Fatalf("%s: %d %s", path, code, h.Get("Content-Type"))
		}
		return b
	}
	a := get("/tiles/13/1300/2920.png")
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != tileSize || b.Dy() != tileSize {
		t.Errorf("tile is %v, want %dx%d", b, tileSize, tileSize)
	}
	if !bytes.Equal(a, get("/tiles/13/1300/2920.png")) {
		t.Error("same coordinates gave different tiles")
	}
	if bytes.Equal(a, get("/tiles/13/1300/2921.png")) {
		t.Error("neighbouring tiles are identical")
	}
	get("/tiles/0/0/0.png")
	get("/tiles/20/1048575/1048575.png")
}

func TestWeatherChangesOverTime(t *testing.T) {
	s := newTestServer(t)
	start := time.Date(2024, 12, 3, 12, 0, 0, 0, time.UTC)
	var readings []weather
	for i := range 30 {
		s.now = func() time.Time { return start.Add(time.Duration(i) * weatherTick * time.Second) }
		var w weather
		getJSON(t, s, "GET", "/weather?lat=52.52&lon=13.40", "", &w)
		if w.Lat != 52.52 || w.Lon != 13.4 || w.Description == "" || w.Temperature < -60 || w.Temperature > 60 {
			t.Fatalf("reading %+v", w)
		}
		readings = append(readings, w)
	}
	changed := 0
	for i := 1; i < len(readings); i++ {
		if readings[i] != readings[i-1] {
			changed++
		}
	}
	if changed < len(readings)/2 {
		t.Errorf("weather changed %d times in %d ticks", changed, len(readings))
	}
	// Within one tick the reading is stable.
	s.now = func() time.Time { return start }
	var again weather
	getJSON(t, s, "GET", "/weather?lat=52.52&lon=13.40", "", &again)
	if again != readings[0] {
		t.Errorf("same instant gave %+v then %+v", readings[0], again)
	}
}

// serverState is the server state a bad request must not change.
func serverState(t *testing.T, s *server) string {
	t.Helper()
	var b strings.Builder
	for _, id := range s.db.IDs(s.db.Len()) {
		v, _ := s.db.Video(id)
		fmt.Fprintln(&b, id, v.Warnings)
	}
	for _, name := range slices.Sorted(maps.Keys(s.gates)) {
		fmt.Fprintln(&b, name, s.gates[name].Stats())
	}
	return b.String()
}

func TestBadInput(t *testing.T) {
	s := newTestServer(t)
	id := s.db.IDs(1)[0]
	s.db.SetWarnings(id, []string{"before"})
	v := "/videos/" + id
	tooMany := `{"warnings":[` + strings.Repeat(`"w",`, maxWarnings) + `"w"]}`
	tooLong := `{"warnings":["` + strings.Repeat("é", maxWarningLength+1) + `"]}`
	tests := []struct {
		name, method, target, body string
		status                     int
		detail                     string // a fragment of the detail
	}{
		{"unknown video", "GET", "/videos/nosuchword", "", 404, "not found"},
		{"unknown transcript", "GET", "/videos/nosuchword/transcript", "", 404, "not found"},
		{"patch unknown video", "PATCH", "/videos/nosuchword", `{"warnings":[]}`, 404, "not found"},
		{"unknown route", "GET", "/nothing/here", "", 404, "Not Found"},
		{"n zero", "GET", "/videos?n=0", "", 422, "1..200"},
		{"n negative", "GET", "/videos?n=-3", "", 422, "1..200"},
		{"n too big", "GET", "/videos?n=201", "", 422, "1..200"},
		{"n not a number", "GET", "/videos?n=abc", "", 422, "integer"},
		{"n fraction", "GET", "/videos?n=1.5", "", 422, "integer"},
		{"n huge", "GET", "/videos?n=99999999999999999999", "", 422, "integer"},
		{"malformed json", "PATCH", v, `{"warnings": [`, 400, "not valid JSON"},
		{"not json", "PATCH", v, `warnings=x`, 400, "not valid JSON"},
		{"empty body", "PATCH", v, ``, 400, "not valid JSON"},
		{"trailing data", "PATCH", v, `{"warnings":[]} {}`, 400, "not valid JSON"},
		{"unknown field", "PATCH", v, `{"warnings":[],"title":"x"}`, 422, `unknown field "title"`},
		{"only unknown field", "PATCH", v, `{"views":1}`, 422, `unknown field "views"`},
		{"field case", "PATCH", v, `{"Warnings":["x"]}`, 422, `unknown field "Warnings"`},
		{"missing warnings", "PATCH", v, `{}`, 422, "required"},
		{"warnings null", "PATCH", v, `{"warnings":null}`, 422, "list of strings"},
		{"warnings string", "PATCH", v, `{"warnings":"mentions NASA"}`, 422, "list of strings"},
		{"warnings numbers", "PATCH", v, `{"warnings":[1,2]}`, 422, "list of strings"},
		{"warnings nested", "PATCH", v, `{"warnings":[["x"]]}`, 422, "list of strings"},
		{"body array", "PATCH", v, `["x"]`, 422, "JSON object"},
		{"body null", "PATCH", v, `null`, 422, "JSON object"},
		{"too many warnings", "PATCH", v, tooMany, 422, fmt.Sprintf("at most %d", maxWarnings)},
		{"warning too long", "PATCH", v, tooLong, 422, fmt.Sprintf("1..%d characters", maxWarningLength)},
		{"empty warning", "PATCH", v, `{"warnings":[""]}`, 422, "characters"},
		{"delete video", "DELETE", v, "", 405, "Method Not Allowed"},
		{"put video", "PUT", v, `{"warnings":[]}`, 405, "Method Not Allowed"},
		{"post list", "POST", "/videos", "", 405, "Method Not Allowed"},
		{"get reset", "GET", "/stats/reset", "", 405, "Method Not Allowed"},
		{"post zero", "GET", "/posts/0", "", 404, "not found"},
		{"post 101", "GET", "/posts/101", "", 404, "not found"},
		{"post not a number", "GET", "/posts/abc", "", 422, "integer"},
		{"tile outside zoom 1", "GET", "/tiles/1/2/0.png", "", 404, "0..1"},
		{"tile zoom too deep", "GET", "/tiles/21/0/0.png", "", 404, "zoom"},
		{"tile zoom negative", "GET", "/tiles/-1/0/0.png", "", 404, "zoom"},
		{"tile not a number", "GET", "/tiles/a/0/0.png", "", 422, "integer"},
		{"weather no lat", "GET", "/weather?lon=13.4", "", 422, "lat is required"},
		{"weather no lon", "GET", "/weather?lat=52.5", "", 422, "lon is required"},
		{"weather lat range", "GET", "/weather?lat=91&lon=0", "", 422, "lat"},
		{"weather lon text", "GET", "/weather?lat=0&lon=east", "", 422, "lon"},
		{"weather NaN", "GET", "/weather?lat=NaN&lon=0", "", 422, "lat"},
		{"weather Inf", "GET", "/weather?lat=0&lon=Inf", "", 422, "lon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := serverState(t, s)
			code, h, b := do(t, s, tt.method, tt.target, tt.body)
			if code != tt.status {
				t.Errorf("status %d, want %d (body %s)", code, tt.status, b)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			var e struct{ Detail string }
			if err := json.Unmarshal(b, &e); err != nil || !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("body %s: want {\"detail\"} containing %q", b, tt.detail)
			}
			if after := serverState(t, s); after != before {
				t.Error("a bad request changed the server's state")
			}
		})
	}
}
