// Package clientcount counts the requests one client sends, on the
// client's side: what an exercise's test needs to judge the learner's
// code when other programs (a room of attendees) use the same server.
//
//	counted, sent := clientcount.Count(client)
//	videos, err := fetchLimited(ctx, counted, ids, 5)
//	if sent.PeakInFlight("video") > 5 { ... }
package clientcount

import (
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// Requests counts the requests one client sent, by endpoint as the server
// names them ("video", "transcript", ...): how many, and the most that were
// in flight at once (sent, and their answer not yet read). It counts on the
// client's side, so another program using the same server, as a room of
// attendees does, changes nothing in it: an exercise's test judges the
// learner's code, not the server's totals. It is safe for use by many
// goroutines at once.
type Requests struct {
	next     http.RoundTripper
	mu       sync.Mutex
	inFlight map[string]int
	peak     map[string]int
	sent     map[string]int
}

// Count returns a copy of c that counts every request it sends in the
// returned Requests. c itself is unchanged and counts nothing.
func Count(c *videoapi.Client) (*videoapi.Client, *Requests) {
	r := &Requests{inFlight: map[string]int{}, peak: map[string]int{}, sent: map[string]int{}}
	return c.Wrapped(func(t http.RoundTripper) http.RoundTripper {
		r.next = t
		return r
	}), r
}

// Sent returns how many requests to the endpoint were sent.
func (r *Requests) Sent(endpoint string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[endpoint]
}

// PeakInFlight returns the most requests to the endpoint that were in
// flight at once: sent, and their answer not read to the end yet.
func (r *Requests) PeakInFlight(endpoint string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak[endpoint]
}

// RoundTrip counts req and sends it on. The request stays in flight until
// its answer's body is read to the end or closed, or the sending fails.
func (r *Requests) RoundTrip(req *http.Request) (*http.Response, error) {
	name := endpointOf(req.Method, req.URL.Path)
	r.mu.Lock()
	r.sent[name]++
	r.inFlight[name]++
	r.peak[name] = max(r.peak[name], r.inFlight[name])
	r.mu.Unlock()
	var once sync.Once
	done := func() {
		once.Do(func() {
			r.mu.Lock()
			r.inFlight[name]--
			r.mu.Unlock()
		})
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		done()
		return resp, err
	}
	resp.Body = &countedBody{ReadCloser: resp.Body, done: done}
	return resp, nil
}

// countedBody calls done once its reader reaches the end or is closed.
type countedBody struct {
	io.ReadCloser
	done func()
}

// Read reads on, and calls done at the end of the body or on an error.
func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.done()
	}
	return n, err
}

// Close closes the body and calls done.
func (b *countedBody) Close() error {
	defer b.done()
	return b.ReadCloser.Close()
}

// endpointOf names the endpoint a request goes to, as the server's table
// does; "" for a path the table does not have.
func endpointOf(method, path string) string {
	for _, e := range endpoints.All() {
		if e.Method == method && routeMatches(e.Route, path) {
			return e.Name
		}
	}
	return ""
}

// routeMatches reports whether path fits route, in which "{name}" stands
// for one non-empty path segment and may be followed by a fixed ending, as
// in "{y}.png".
func routeMatches(route, path string) bool {
	want, got := strings.Split(route, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return false
	}
	for i, w := range want {
		if !strings.HasPrefix(w, "{") {
			if w != got[i] {
				return false
			}
			continue
		}
		_, ending, _ := strings.Cut(w, "}")
		if len(got[i]) <= len(ending) || !strings.HasSuffix(got[i], ending) {
			return false
		}
	}
	return true
}
