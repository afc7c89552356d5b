// Package endpoints is the table of the mock server's gated endpoints: the
// name each has in GET /stats, its route, what reports call it, and its
// latency model (capacity, minimum delay, step). The server builds its
// routes and gates from it, the dashboard and the client's reports read it,
// and the tests check the OpenAPI document and the dashboard against it.
//
// It also names the request header in which a client says who it is, so the
// server can count the requests of each attendee of a class apart.
//
// The package depends on the standard library only, so the client side
// (which notebook cells link) can import it without linking the server.
package endpoints

import (
	"slices"
	"time"
)

// Names of the endpoints, as GET /stats and the stream key them.
const (
	Video      = "video"
	Transcript = "transcript"
	Patch      = "patch"
	VideosList = "videos_list"
	Posts      = "posts"
	Tiles      = "tiles"
	Weather    = "weather"
)

// The latency model of each endpoint at latency scale 1: the cells of the
// table below, named for programs that compute with them.
const (
	VideoCapacity      = 10
	VideoMinDelay      = 200 * time.Millisecond
	VideoStep          = 100 * time.Millisecond
	TranscriptCapacity = 20
	TranscriptMinDelay = 100 * time.Millisecond
	TranscriptStep     = 100 * time.Millisecond
	PatchDelay         = 50 * time.Millisecond
	ListDelay          = 50 * time.Millisecond
	PostsDelay         = 250 * time.Millisecond
	TilesDelay         = 170 * time.Millisecond
	WeatherDelay       = 100 * time.Millisecond
)

// Endpoint is one row of the table.
type Endpoint struct {
	Name     string        // key in GET /stats, e.g. "video"
	Method   string        // HTTP method, e.g. "GET"
	Route    string        // path as the OpenAPI document writes it, e.g. "/videos/{id}"
	Label    string        // what reports call it for a learner, e.g. "videos"
	Capacity int           // slots; 0 means unlimited (a fixed latency)
	MinDelay time.Duration // hold time with an empty queue, at latency scale 1
	Step     time.Duration // extra hold per request queued behind, at latency scale 1
}

// Gated reports whether the endpoint has limited slots (a queue can form),
// rather than a fixed latency.
func (e Endpoint) Gated() bool { return e.Capacity > 0 }

// table lists the endpoints in the order reports and the dashboard show
// them: the two gates that model the overloaded backend first, then the
// content-warnings pipeline's other calls, then the other examples'.
var table = [...]Endpoint{
	{Name: Video, Method: "GET", Route: "/videos/{id}", Label: "videos", Capacity: VideoCapacity, MinDelay: VideoMinDelay, Step: VideoStep},
	{Name: Transcript, Method: "GET", Route: "/videos/{id}/transcript", Label: "transcripts", Capacity: TranscriptCapacity, MinDelay: TranscriptMinDelay, Step: TranscriptStep},
	{Name: Patch, Method: "PATCH", Route: "/videos/{id}", Label: "saves", MinDelay: PatchDelay},
	{Name: VideosList, Method: "GET", Route: "/videos", Label: "id list", MinDelay: ListDelay},
	{Name: Posts, Method: "GET", Route: "/posts/{id}", Label: "posts", MinDelay: PostsDelay},
	{Name: Tiles, Method: "GET", Route: "/tiles/{z}/{x}/{y}.png", Label: "tiles", MinDelay: TilesDelay},
	{Name: Weather, Method: "GET", Route: "/weather", Label: "weather", MinDelay: WeatherDelay},
}

// All returns the table, in the order reports show the endpoints. The slice
// is a copy: changing it changes nothing else.
func All() []Endpoint { return slices.Clone(table[:]) }

// Lookup returns the endpoint with the given name.
func Lookup(name string) (Endpoint, bool) {
	if i := Index(name); i >= 0 {
		return table[i], true
	}
	return Endpoint{}, false
}

// Index returns the position of the named endpoint in the table, or -1 for
// a name the table does not have.
func Index(name string) int {
	return slices.IndexFunc(table[:], func(e Endpoint) bool { return e.Name == name })
}

// Label returns what reports call the named endpoint, or the name itself
// for one the table does not have.
func Label(name string) string {
	if e, ok := Lookup(name); ok {
		return e.Label
	}
	return name
}

// Compare orders endpoint names as the table does, names it does not have
// last and alphabetically among themselves; use it with slices.SortFunc.
func Compare(a, b string) int {
	i, j := Index(a), Index(b)
	switch {
	case i >= 0 && j >= 0:
		return i - j
	case i >= 0:
		return -1
	case j >= 0:
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
