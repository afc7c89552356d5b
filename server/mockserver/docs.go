package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// apiDocument is the subset of an OpenAPI 3 document that describes this server.
type apiDocument struct {
	OpenAPI string                             `json:"openapi"`
	Info    apiInfo                            `json:"info"`
	Paths   map[string]map[string]apiOperation `json:"paths"` // path -> lower-case method -> operation
}

// apiInfo is the document's info object.
type apiInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

// apiOperation is one method on one path.
type apiOperation struct {
	Summary     string                 `json:"summary"`
	Description string                 `json:"description,omitempty"`
	Parameters  []apiParameter         `json:"parameters,omitempty"`
	RequestBody *apiBody               `json:"requestBody,omitempty"`
	Responses   map[string]apiResponse `json:"responses"`
}

// apiParameter is a path or query parameter.
type apiParameter struct {
	Name     string    `json:"name"`
	In       string    `json:"in"`
	Required bool      `json:"required"`
	Schema   apiSchema `json:"schema"`
	Example  any       `json:"example,omitempty"`
}

// apiSchema is a JSON schema, as far as this document needs one.
type apiSchema struct {
	Type string `json:"type"`
}

// apiBody is a JSON request body.
type apiBody struct {
	Required bool                `json:"required"`
	Content  map[string]apiMedia `json:"content"`
}

// apiMedia holds an example of a body.
type apiMedia struct {
	Example any `json:"example,omitempty"`
}

// apiResponse is one documented status code.
type apiResponse struct {
	Description string `json:"description"`
}

func pathParam(name, typ string, example any) apiParameter {
	return apiParameter{Name: name, In: "path", Required: true, Schema: apiSchema{Type: typ}, Example: example}
}

func queryParam(name, typ string, required bool, example any) apiParameter {
	return apiParameter{Name: name, In: "query", Required: required, Schema: apiSchema{Type: typ}, Example: example}
}

func responses(codes ...string) map[string]apiResponse {
	text := map[string]string{
		"200": "OK", "400": "malformed request", "404": "not found", "413": "body too large",
		"422": "invalid value", "503": "too many requests waiting (see Retry-After)",
	}
	m := make(map[string]apiResponse, len(codes))
	for _, c := range codes {
		m[c] = apiResponse{Description: text[c]}
	}
	return m
}

// apiDoc describes every endpoint; exampleID is a video id for the examples.
func apiDoc(exampleID string) apiDocument {
	id := pathParam("id", "string", exampleID)
	return apiDocument{
		OpenAPI: "3.0.3",
		Info: apiInfo{
			Title:   "Workshop mock video service",
			Version: "1.0.0",
			Description: "Fake videos behind the latency model of an overloaded backend. " +
				"GET /videos/{id} passes a gate of 10 slots (200 ms each, plus 100 ms per request queued behind, up to 10); " +
				"GET /videos/{id}/transcript a gate of 20 slots (100 ms plus 100 ms per request queued behind). " +
				"Errors are JSON {\"detail\": \"...\"}.",
		},
		Paths: map[string]map[string]apiOperation{
			"/videos": {"get": {
				Summary:    "ids of the first n videos (fixed 50 ms)",
				Parameters: []apiParameter{queryParam("n", "integer", false, 5)},
				Responses:  responses("200", "422"),
			}},
			"/videos/{id}": {
				"get": {Summary: "one video without its transcript (gate \"video\")", Parameters: []apiParameter{id}, Responses: responses("200", "404", "503")},
				"patch": {
					Summary:     "replace the video's warnings (fixed 50 ms)",
					Description: "Only warnings can be changed: a list of at most 20 strings of 1..200 characters.",
					Parameters:  []apiParameter{id},
					RequestBody: &apiBody{Required: true, Content: map[string]apiMedia{
						"application/json": {Example: map[string][]string{"warnings": {"mentions NASA"}}},
					}},
					Responses: responses("200", "400", "404", "413", "422"),
				},
			},
			"/videos/{id}/transcript": {"get": {Summary: "the transcript as a JSON string (gate \"transcript\")", Parameters: []apiParameter{id}, Responses: responses("200", "404", "503")}},
			"/stats":                  {"get": {Summary: "per endpoint: in_flight, waiting, peaks, served, degraded, rejected", Responses: responses("200")}},
			"/stats/reset":            {"post": {Summary: "zero the counters and peaks", Responses: responses("200")}},
			"/healthz":                {"get": {Summary: "liveness", Responses: responses("200")}},
			"/openapi.json":           {"get": {Summary: "this document", Responses: responses("200")}},
			"/docs":                   {"get": {Summary: "this document as a page", Responses: responses("200")}},
			"/posts/{id}":             {"get": {Summary: "a blog post, ids 1..100 (fixed 250 ms)", Parameters: []apiParameter{pathParam("id", "integer", 1)}, Responses: responses("200", "404", "422")}},
			"/tiles/{z}/{x}/{y}.png": {"get": {
				Summary:    "a 256x256 PNG map tile, the same for the same coordinates (fixed 170 ms)",
				Parameters: []apiParameter{pathParam("z", "integer", 13), pathParam("x", "integer", 1300), pathParam("y", "integer", 2920)},
				Responses:  responses("200", "404", "422"),
			}},
			"/weather": {"get": {
				Summary:    "the weather at a place, changing over time (fixed 100 ms)",
				Parameters: []apiParameter{queryParam("lat", "number", true, 52.52), queryParam("lon", "number", true, 13.4)},
				Responses:  responses("200", "422"),
			}},
		},
	}
}

// docsOp is one row of the docs page.
type docsOp struct {
	Method, Path string
	Op           apiOperation
	Try          string // example URL for GET operations
}

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Info.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
.op{border:1px solid #ccc;border-radius:6px;margin:1rem 0;padding:.6rem 1rem}
.m{display:inline-block;min-width:4.5rem;font-weight:bold;color:#fff;border-radius:4px;text-align:center;margin-right:.5rem}
.get{background:#2f7ed8}.patch{background:#d89b2f}.post{background:#3a9a4f}
code,pre{background:#f4f4f4;padding:.1rem .3rem}pre{padding:.5rem;overflow:auto;max-height:20rem}
</style></head><body>
<h1>{{.Info.Title}} <small>{{.Info.Version}}</small></h1>
<p>{{.Info.Description}}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
{{range .Ops}}<div class="op">
<h3><span class="m {{.Method}}">{{.Method}}</span><code>{{.Path}}</code></h3>
<p>{{.Op.Summary}}</p>{{with .Op.Description}}<p>{{.}}</p>{{end}}
{{with .Op.Parameters}}<p>Parameters: {{range .}}<code>{{.Name}}</code> ({{.In}}, {{.Schema.Type}}{{if .Required}}, required{{end}}) {{end}}</p>{{end}}
<p>Responses: {{range $code, $r := .Op.Responses}}<code>{{$code}}</code> {{$r.Description}}; {{end}}</p>
{{with .Try}}<form onsubmit="return tryIt(this)"><input name="u" size="50" value="{{.}}"> <button>Try it</button><pre hidden></pre></form>{{end}}
</div>{{end}}
<script>
async function tryIt(f){const out=f.querySelector("pre");out.hidden=false;out.textContent="...";
const t0=performance.now();try{const r=await fetch(f.u.value);const ms=(performance.now()-t0).toFixed(0);
const ct=r.headers.get("content-type")||"";out.textContent=r.status+" in "+ms+" ms\n"+(ct.startsWith("image/")?"("+ct+", "+(await r.blob()).size+" bytes)":await r.text());}
catch(e){out.textContent=String(e)}return false}
</script></body></html>
`))

// docsOrder is the order of the docs page: the videos first.
var docsOrder = []string{
	"/videos", "/videos/{id}", "/videos/{id}/transcript", "/stats", "/stats/reset", "/healthz",
	"/posts/{id}", "/tiles/{z}/{x}/{y}.png", "/weather", "/openapi.json", "/docs",
}

// renderDocs encodes the OpenAPI document and renders the docs page from it.
// The page is self-contained: it works offline.
func renderDocs(exampleID string) (doc, page []byte, err error) {
	d := apiDoc(exampleID)
	if doc, err = json.MarshalIndent(d, "", "  "); err != nil {
		return nil, nil, err
	}
	if len(docsOrder) != len(d.Paths) {
		return nil, nil, fmt.Errorf("docs page lists %d paths, the document has %d", len(docsOrder), len(d.Paths))
	}
	var ops []docsOp
	for _, path := range docsOrder {
		if d.Paths[path] == nil {
			return nil, nil, fmt.Errorf("docs page lists %s, which the document lacks", path)
		}
		for _, method := range slices.Sorted(maps.Keys(d.Paths[path])) {
			op := d.Paths[path][method]
			row := docsOp{Method: method, Path: path, Op: op}
			if method == "get" {
				row.Try = exampleURL(path, op.Parameters)
			}
			ops = append(ops, row)
		}
	}
	var buf bytes.Buffer
	err = docsPage.Execute(&buf, struct {
		Info apiInfo
		Ops  []docsOp
	}{d.Info, ops})
	return doc, buf.Bytes(), err
}

// exampleURL fills the path and query parameters with their examples; it
// returns "" if a path parameter has none.
func exampleURL(path string, params []apiParameter) string {
	q := url.Values{}
	for _, p := range params {
		v, _ := json.Marshal(p.Example)
		s := strings.Trim(string(v), `"`)
		switch {
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
	return path
}

// openAPI answers GET /openapi.json.
func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(s.doc)
}

// docs answers GET /docs.
func (s *Server) docs(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(s.docsUI)
}
