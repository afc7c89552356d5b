package mockserver

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// The pages and the API description, embedded in the binary: the server
// needs no other files and the pages load nothing from elsewhere.
//
//go:embed web/openapi.json web/docs.html web/dashboard.html
var webFiles embed.FS

// apiDocument is what the docs page reads of the OpenAPI document.
type apiDocument struct {
	Info  apiInfo                            `json:"info"`
	Tags  []apiTag                           `json:"tags"`
	Paths map[string]map[string]apiOperation `json:"paths"` // path -> lower-case method -> operation
}

type apiInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

type apiTag struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type apiOperation struct {
	Tags        []string               `json:"tags"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	Parameters  []apiParameter         `json:"parameters"`
	RequestBody *apiBody               `json:"requestBody"`
	Responses   map[string]apiResponse `json:"responses"`
}

type apiParameter struct {
	Name        string `json:"name"`
	In          string `json:"in"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
	Schema      struct {
		Type string `json:"type"`
	} `json:"schema"`
	Example any `json:"example"`
}

type apiBody struct {
	Content map[string]struct {
		Example any `json:"example"`
	} `json:"content"`
}

type apiResponse struct {
	Description string `json:"description"`
}

// docsGroup is one section of the docs page: the operations of one tag.
type docsGroup struct {
	apiTag
	Ops []docsOp
}

// docsOp is one operation on the docs page.
type docsOp struct {
	Method, Path string
	Op           apiOperation
	Example      string // JSON example of the request body
	Try          string // relative example URL of a GET operation
}

var docsPage = template.Must(template.ParseFS(webFiles, "web/docs.html"))

// readDocs returns the embedded OpenAPI document and renders the docs page
// from it, with exampleID, a video of this server, in the examples.
func readDocs(exampleID string) (doc, page []byte, err error) {
	if doc, err = webFiles.ReadFile("web/openapi.json"); err != nil {
		return nil, nil, err
	}
	var d apiDocument
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, nil, fmt.Errorf("web/openapi.json: %w", err)
	}
	groups := make([]docsGroup, len(d.Tags))
	index := map[string]int{}
	for i, t := range d.Tags {
		groups[i].apiTag, index[t.Name] = t, i
	}
	for _, path := range slices.Sorted(maps.Keys(d.Paths)) {
		for _, method := range slices.Sorted(maps.Keys(d.Paths[path])) {
			op := d.Paths[path][method]
			if len(op.Tags) != 1 {
				return nil, nil, fmt.Errorf("web/openapi.json: %s %s: want exactly one tag, got %q", method, path, op.Tags)
			}
			i, ok := index[op.Tags[0]]
			if !ok {
				return nil, nil, fmt.Errorf("web/openapi.json: %s %s: tag %q is not in the document's tags", method, path, op.Tags[0])
			}
			row := docsOp{Method: method, Path: path, Op: op}
			if op.RequestBody != nil {
				if ex := op.RequestBody.Content["application/json"].Example; ex != nil {
					b, _ := json.Marshal(ex)
					row.Example = string(b)
				}
			}
			if method == "get" && !strings.Contains(op.Summary, "Server-Sent Events") {
				row.Try = exampleURL(path, op.Parameters, exampleID)
			}
			groups[i].Ops = append(groups[i].Ops, row)
		}
	}
	var buf bytes.Buffer
	err = docsPage.Execute(&buf, struct {
		Info   apiInfo
		Groups []docsGroup
	}{d.Info, groups})
	return doc, buf.Bytes(), err
}

// exampleURL fills the path and query parameters with their examples (a
// video id with exampleID) and returns the URL relative to the docs page,
// e.g. "videos?n=5"; "" if a path parameter has no example. Header
// parameters are left out.
func exampleURL(path string, params []apiParameter, exampleID string) string {
	q := url.Values{}
	for _, p := range params {
		v, _ := json.Marshal(p.Example)
		s := strings.Trim(string(v), `"`)
		if p.In == "path" && p.Name == "id" && p.Schema.Type == "string" {
			s = exampleID
		}
		switch {
		case p.In == "header": // a URL cannot carry it; the example goes without
		case p.In == "path" && (p.Example == nil || s == ""):
			return ""
		case p.In == "path":
			path = strings.Replace(path, "{"+p.Name+"}", s, 1)
		default:
			q.Set(p.Name, s)
		}
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return strings.TrimPrefix(path, "/")
}

// openAPI answers GET /openapi.json.
func (s *server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(s.doc)
}

// docs answers GET /docs.
func (s *server) docs(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(s.docsUI)
}

// endpointsMarker is where the dashboard's script receives the endpoint
// table.
const endpointsMarker = "/*ENDPOINTS*/null"

// dashboardEndpoint is one row of the endpoint table as the dashboard reads it.
type dashboardEndpoint struct {
	Name     string `json:"name"`
	Method   string `json:"method"`
	Route    string `json:"route"`
	Label    string `json:"label"`
	Capacity int    `json:"capacity"` // 0: a fixed latency
}

// renderDashboard returns the dashboard page with the endpoint table in its
// script: the cards come in the table's order, with its routes and labels.
func renderDashboard() ([]byte, error) {
	page, err := webFiles.ReadFile("web/dashboard.html")
	if err != nil {
		return nil, err
	}
	if bytes.Count(page, []byte(endpointsMarker)) != 1 {
		return nil, fmt.Errorf("web/dashboard.html: want %s exactly once", endpointsMarker)
	}
	var rows []dashboardEndpoint
	for _, e := range endpoints.All() {
		rows = append(rows, dashboardEndpoint{Name: e.Name, Method: e.Method, Route: e.Route, Label: e.Label, Capacity: e.Capacity})
	}
	table, err := json.Marshal(rows) // escapes <, > and &: safe inside <script>
	if err != nil {
		return nil, err
	}
	return bytes.Replace(page, []byte(endpointsMarker), table, 1), nil
}

// dashboard answers GET /dashboard.
func (s *server) dashboard(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(s.dashboardUI)
}
