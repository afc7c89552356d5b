package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/server/gate"
)

// loadAPIDocument parses and validates the served OpenAPI document with
// kin-openapi, failing the test on any error.
func loadAPIDocument(t *testing.T, s *server) *openapi3.T {
	t.Helper()
	_, _, b := do(t, s, "GET", "/openapi.json", "")
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	s := newTestServer(t)
	code, h, b := do(t, s, "GET", "/openapi.json", "")
	if code != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s", code, h.Get("Content-Type"))
	}
	if embedded, _ := webFiles.ReadFile("web/openapi.json"); !bytes.Equal(b, embedded) {
		t.Error("GET /openapi.json differs from the embedded file")
	}
	doc := loadAPIDocument(t, s)
	if doc.OpenAPI != "3.0.3" || doc.Info.Title == "" {
		t.Errorf("openapi %q, title %q", doc.OpenAPI, doc.Info.Title)
	}
}

// fiberParam turns Fiber's ":name" path parameters into OpenAPI's "{name}".
var fiberParam = regexp.MustCompile(`:(\w+)`)

// TestOpenAPIDocumentListsEveryRoute compares the routes the app serves with
// the operations of the document, both ways.
func TestOpenAPIDocumentListsEveryRoute(t *testing.T) {
	s := newTestServer(t)
	doc := loadAPIDocument(t, s)
	served := map[string]bool{}
	for _, r := range s.app.GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue // added by Fiber for every GET
		}
		served[r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for _, r := range slices.Sorted(maps.Keys(served)) {
		if !documented[r] {
			t.Errorf("%s is served but not in openapi.json", r)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(documented)) {
		if !served[r] {
			t.Errorf("%s is in openapi.json but not served", r)
		}
	}
	for _, r := range []string{"GET /stats/stream", "GET /dashboard", "GET /videos/{id}", "PATCH /videos/{id}"} {
		if !served[r] || !documented[r] {
			t.Errorf("%s: served %v, documented %v", r, served[r], documented[r])
		}
	}
}

// checkResponse validates a response of the app against the document.
func checkResponse(t *testing.T, router routers.Router, method, target, body string, resp *http.Response, respBody []byte) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: no operation in openapi.json: %v", method, target, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(respBody)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s answered %d %s, which openapi.json does not allow: %v", method, target, resp.StatusCode, clip(respBody), err)
	}
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func init() {
	// The pages and tiles are checked for their status and content type;
	// their bodies are read as text and bytes.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.RegisteredBodyDecoder("text/plain"))
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.RegisteredBodyDecoder("application/octet-stream"))
}

// TestResponsesMatchDocument sends good and bad requests to every endpoint
// and validates each answer (status, content type, body) against the
// document.
func TestResponsesMatchDocument(t *testing.T) {
	s := newTestServer(t)
	doc := loadAPIDocument(t, s)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	id := s.db.IDs(1)[0]
	tests := []struct {
		method, target, body string
		code                 int
	}{
		{"GET", "/stats/stream?history=yes", "", 422},
		{"GET", "/videos?n=3", "", 200},
		{"GET", "/videos?n=0", "", 422},
		{"GET", "/videos/" + id, "", 200},
		{"GET", "/videos/nosuchvideo", "", 404},
		{"GET", "/videos/" + id + "/transcript", "", 200},
		{"PATCH", "/videos/" + id, `{"warnings":["mentions NASA"]}`, 200},
		{"PATCH", "/videos/" + id, `{"warnings":`, 400},
		{"PATCH", "/videos/" + id, `{"title":"x"}`, 422},
		{"GET", "/stats", "", 200},
		{"POST", "/stats/reset", "", 200},
		{"GET", "/dashboard", "", 200},
		{"GET", "/docs", "", 200},
		{"GET", "/openapi.json", "", 200},
		{"GET", "/healthz", "", 200},
		{"GET", "/posts/7", "", 200},
		{"GET", "/posts/101", "", 404},
		{"GET", "/posts/seven", "", 422},
		{"GET", "/tiles/3/2/1.png", "", 200},
		{"GET", "/tiles/3/9/1.png", "", 404},
		{"GET", "/weather?lat=52.5&lon=13.4", "", 200},
		{"GET", "/weather?lat=91&lon=0", "", 422},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target[:min(len(tt.target), 40)], func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := s.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, clip(b), tt.code)
			}
			checkResponse(t, router, tt.method, tt.target, tt.body, resp, b)
		})
	}
	// A named client: GET /stats and the snapshot show clients.
	named := httptest.NewRequest("GET", "/videos/"+id, nil)
	named.Header.Set(endpoints.ClientHeader, "ana")
	if resp, err := s.app.Test(named, -1); err != nil || resp.StatusCode != 200 {
		t.Fatalf("a named request: %v %v", resp, err)
	}
	code, h, b := do(t, s, "GET", "/stats", "")
	checkResponse(t, router, "GET", "/stats", "", &http.Response{StatusCode: code, Header: h}, b)
	if !bytes.Contains(b, []byte(`"clients":{"ana":{`)) {
		t.Errorf("GET /stats after a named request has no clients: %s", b)
	}
	// One event of the stream is a Snapshot.
	snap, err := json.Marshal(s.takeSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(snap, []byte(`"clients":{"ana":{`)) {
		t.Errorf("a snapshot after a named request has no clients: %s", snap)
	}
	var v any
	_ = json.Unmarshal(snap, &v)
	if err := doc.Components.Schemas["Snapshot"].Value.VisitJSON(v); err != nil {
		t.Errorf("a snapshot %s does not match the Snapshot schema: %v", snap, err)
	}
	// A point of the history event is a HistoryPoint.
	point, _ := json.Marshal(pointOf(s.takeSnapshot()))
	_ = json.Unmarshal(point, &v)
	if err := doc.Components.Schemas["HistoryPoint"].Value.VisitJSON(v); err != nil || !bytes.Contains(point, []byte(`"video":{`)) {
		t.Errorf("a history point %s does not match the HistoryPoint schema (or lacks the video gate just used): %v", point, err)
	}
}

// absoluteURL finds links, sources, fetches and event streams in a page that
// do not stay relative to it: "/x", "//host", "http:" and the like.
var absoluteURL = regexp.MustCompile(`(?i)(?:href|src|action)\s*=\s*["']\s*(?:/|[a-z]+:)|(?:fetch|EventSource)\(\s*["'` + "`" + `]\s*(?:/|[a-z]+:)`)

// checkSelfContained fails if page loads anything from elsewhere or uses a
// URL that would break behind a path prefix (jupyter-server-proxy).
func checkSelfContained(t *testing.T, name string, page []byte) {
	t.Helper()
	for _, bad := range []string{"http://", "https://", "<link rel=\"stylesheet\"", "@import", "url("} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("%s refers to an outside resource (%q)", name, bad)
		}
	}
	for _, m := range absoluteURL.FindAll(page, -1) {
		if !bytes.Contains(m, []byte("data:")) {
			t.Errorf("%s uses a URL that is not relative: %s", name, m)
		}
	}
}

func TestAbsoluteURLPattern(t *testing.T) {
	tests := []struct {
		html string
		bad  bool
	}{
		{`<a href="dashboard">`, false},
		{`<a href="/dashboard">`, true},
		{`<a href='//cdn.example/x.js'>`, true},
		{`<script src="https://cdn.example/x.js">`, true},
		{`fetch("stats/reset", {method: "POST"})`, false},
		{`fetch("/stats/reset")`, true},
		{"new EventSource(`stats/stream`)", false},
		{`new EventSource("/stats/stream")`, true},
		{`<link rel="icon" href="data:,">`, true}, // matched, then allowed as data:
	}
	for _, tt := range tests {
		if got := absoluteURL.MatchString(tt.html); got != tt.bad {
			t.Errorf("%s: matched %v, want %v", tt.html, got, tt.bad)
		}
	}
}

func TestDocsPage(t *testing.T) {
	s := newTestServer(t)
	code, hdr, page := do(t, s, "GET", "/docs", "")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("docs: %d %s", code, hdr.Get("Content-Type"))
	}
	checkSelfContained(t, "/docs", page)
	for _, want := range []string{`href="dashboard"`, `href="openapi.json"`, "/videos/{id}/transcript", "/stats/stream", "Try it"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("docs page lacks %q", want)
		}
	}
	// Every "Try it" example is a working request, relative to the page.
	examples := bytes.Split(page, []byte(`name="u" value="`))[1:]
	if len(examples) < 8 {
		t.Fatalf("%d Try-it examples, want one per GET endpoint", len(examples))
	}
	for _, m := range examples {
		target := strings.ReplaceAll(string(m[:bytes.IndexByte(m, '"')]), "&amp;", "&")
		if strings.HasPrefix(target, "/") {
			t.Errorf("docs example %s is not relative", target)
		}
		if code, _, b := do(t, s, "GET", "/"+target, ""); code != 200 {
			t.Errorf("docs example %s: %d %s", target, code, clip(b))
		}
	}
}

func TestDashboardPage(t *testing.T) {
	s := newTestServer(t)
	code, hdr, page := do(t, s, "GET", "/dashboard", "")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("dashboard: %d %s", code, hdr.Get("Content-Type"))
	}
	checkSelfContained(t, "/dashboard", page)
	for _, want := range []string{`EventSource("stats/stream?history=1")`, `"stats/reset"`, `href="docs"`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
}

func TestExampleURL(t *testing.T) {
	param := func(name, in, typ string, example any) apiParameter {
		p := apiParameter{Name: name, In: in, Example: example}
		p.Schema.Type = typ
		return p
	}
	tests := []struct {
		path   string
		params []apiParameter
		want   string
	}{
		{"/healthz", nil, "healthz"},
		{"/videos", []apiParameter{param("n", "query", "integer", 5)}, "videos?n=5"},
		{"/videos/{id}", []apiParameter{param("id", "path", "string", "trot")}, "videos/ours"},
		{"/tiles/{z}/{x}/{y}.png", []apiParameter{param("z", "path", "integer", 1), param("x", "path", "integer", 0), param("y", "path", "integer", 1)}, "tiles/1/0/1.png"},
		{"/posts/{id}", []apiParameter{param("id", "path", "integer", nil)}, ""},
		{"/stats", []apiParameter{param("Workshop-Client", "header", "string", "ana")}, "stats"},
	}
	for _, tt := range tests {
		if got := exampleURL(tt.path, tt.params, "ours"); got != tt.want {
			t.Errorf("exampleURL(%s) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestOpenAPIDocumentFollowsTheTable: every endpoint of the table is in the
// document with the latency the table gives it, and a gated one documents
// the 503 of a full or reset queue.
func TestOpenAPIDocumentFollowsTheTable(t *testing.T) {
	s := newTestServer(t)
	doc := loadAPIDocument(t, s)
	ms := func(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }
	for _, e := range endpoints.All() {
		item := doc.Paths.Find(e.Route)
		if item == nil || item.GetOperation(e.Method) == nil {
			t.Errorf("%s (%s %s) is not in openapi.json", e.Name, e.Method, e.Route)
			continue
		}
		op := item.GetOperation(e.Method)
		if !e.Gated() {
			if want := "(fixed " + ms(e.MinDelay) + ")"; !strings.Contains(op.Summary, want) {
				t.Errorf("%s %s: summary %q does not say %q", e.Method, e.Route, op.Summary, want)
			}
			continue
		}
		if want := fmt.Sprintf("(gate %q)", e.Name); !strings.Contains(op.Summary, want) {
			t.Errorf("%s %s: summary %q does not say %q", e.Method, e.Route, op.Summary, want)
		}
		if op.Responses.Status(503) == nil {
			t.Errorf("%s %s: a gated endpoint without its 503", e.Method, e.Route)
		}
		// The document's description says each gate's model in one sentence.
		intro := fmt.Sprintf("gate %q: %d slots", e.Name, e.Capacity)
		_, sentence, ok := strings.Cut(doc.Info.Description, intro)
		sentence, _, _ = strings.Cut(sentence, ".")
		if !ok || !strings.Contains(sentence, ms(e.MinDelay)+" plus "+ms(e.Step)) {
			t.Errorf("the document's description does not give %s as %s, %s plus %s per request queued behind", e.Name, intro, ms(e.MinDelay), ms(e.Step))
		}
	}
}

// TestOpenAPIDocumentStatesTheLimits: the document gives the client
// header's limits as the server applies them.
func TestOpenAPIDocumentStatesTheLimits(t *testing.T) {
	doc := loadAPIDocument(t, newTestServer(t))
	for _, want := range []string{
		endpoints.ClientHeader,
		fmt.Sprintf("1 to %d characters", endpoints.MaxClientName),
		fmt.Sprintf("up to %d clients", maxClients),
		fmt.Sprintf("%q", gate.OtherClients),
	} {
		if !strings.Contains(doc.Info.Description, want) {
			t.Errorf("the document's description does not say %s", want)
		}
	}
	stream := doc.Paths.Find("/stats/stream").Get.Description
	if want := fmt.Sprintf("at most %d from one client address", MaxStreamsPerClient); !strings.Contains(stream, want) {
		t.Errorf("GET /stats/stream's description does not say %q", want)
	}
}

// TestDashboardFollowsTheTable: the page receives the endpoint table and
// names no endpoint of its own; the browser check (server/dashboardcheck)
// sees the cards in the table's order with its routes.
func TestDashboardFollowsTheTable(t *testing.T) {
	template, err := webFiles.ReadFile("web/dashboard.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range endpoints.All() {
		for _, literal := range []string{`"` + e.Name + `"`, e.Name + ":", e.Route} {
			if bytes.Contains(template, []byte(literal)) {
				t.Errorf("web/dashboard.html writes %s itself: it must read the endpoint table", literal)
			}
		}
	}
	s := newTestServer(t)
	_, _, page := do(t, s, "GET", "/dashboard", "")
	_, after, ok := bytes.Cut(page, []byte("const ENDPOINTS = "))
	table, _, _ := bytes.Cut(after, []byte(";\n"))
	var got []dashboardEndpoint
	if err := json.Unmarshal(table, &got); !ok || err != nil {
		t.Fatalf("the page's endpoint table %q: %v", clip(table), err)
	}
	all := endpoints.All()
	if len(got) != len(all) {
		t.Fatalf("the page has %d endpoints, the table %d", len(got), len(all))
	}
	for i, e := range all {
		if want := (dashboardEndpoint{Name: e.Name, Method: e.Method, Route: e.Route, Label: e.Label, Capacity: e.Capacity}); got[i] != want {
			t.Errorf("the page's endpoint %d is %+v, the table's %+v", i, got[i], want)
		}
	}
}
