// Package kernelclient drives Jupyter kernels as JupyterLab does: a session
// per notebook through a Jupyter server's REST API, then the kernel's
// channels WebSocket, speaking the Jupyter messaging protocol in JSON text
// frames (what jupyter_server offers when no binary subprotocol is asked
// for). It can also start a local Jupyter server of its own to talk to.
//
// It serves the workshop's benchmarks and tests that run notebooks cell by
// cell and time each cell: nbconvert runs a whole notebook, this runs one
// cell at a time and says when each answered.
package kernelclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// MaxResponse bounds a REST answer read into memory.
const MaxResponse = 16 << 20

// Server is a Jupyter server reached over HTTP: a local one (Start), or an
// attendee's server behind JupyterHub's proxy.
type Server struct {
	// URL is the server's base URL, ending in "/": "http://127.0.0.1:8888/",
	// or "http://127.0.0.1:8010/user/ann/" behind a hub.
	URL string
	// Token, when not empty, authenticates every request and the WebSocket
	// ("Authorization: token ...").
	Token string
	// HTTP sends the requests; nil means http.DefaultClient. A client with a
	// cookie jar is logged in as a browser is.
	HTTP *http.Client
	// Prepare, when not nil, is called on every request before it is sent,
	// e.g. to add the X-XSRFToken header that a cookie login needs.
	Prepare func(*http.Request)
}

// client returns the HTTP client to use.
func (s *Server) client() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return http.DefaultClient
}

// endpoint returns the absolute URL of path (relative to the server's base
// URL, e.g. "api/sessions").
func (s *Server) endpoint(path string) (*url.URL, error) {
	base, err := url.Parse(s.URL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("kernelclient: server URL %q is not an absolute http(s) URL", s.URL)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	rel, err := url.Parse(strings.TrimPrefix(path, "/"))
	if err != nil {
		return nil, fmt.Errorf("kernelclient: path %q: %w", path, err)
	}
	return base.ResolveReference(rel), nil
}

// header adds the token, then lets Prepare add what it wants.
func (s *Server) header(req *http.Request) {
	if s.Token != "" {
		req.Header.Set("Authorization", "token "+s.Token)
	}
	if s.Prepare != nil {
		s.Prepare(req)
	}
}

// API calls the server's REST API: method on path (relative to the base
// URL), with in encoded as JSON when not nil, and the JSON answer decoded
// into out when not nil. An answer other than 2xx is an error carrying the
// server's message.
func (s *Server) API(ctx context.Context, method, path string, in, out any) error {
	u, err := s.endpoint(path)
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	s.header(req)
	resp, err := s.client().Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return &StatusError{Method: method, Path: path, Code: resp.StatusCode, Message: serverMessage(raw)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected (%v): %.300s", method, path, err, raw)
	}
	return nil
}

// StatusError is a REST answer other than 2xx.
type StatusError struct {
	Method, Path string
	Code         int    // HTTP status code
	Message      string // the server's message, or the start of its answer
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Code, http.StatusText(e.Code), e.Message)
}

// serverMessage returns the "message" of a Jupyter server's JSON error, or
// the start of the answer.
func serverMessage(raw []byte) string {
	var e struct {
		Message string `json:"message"`
		Reason  string `json:"reason"`
	}
	if json.Unmarshal(raw, &e) == nil && (e.Message != "" || e.Reason != "") {
		return strings.TrimSpace(e.Reason + " " + e.Message)
	}
	if len(raw) > 300 {
		raw = raw[:300]
	}
	return string(raw)
}
