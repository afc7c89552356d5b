package videoapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// DefaultBaseURL is where `go run ./server` listens by default.
const DefaultBaseURL = "http://127.0.0.1:8000"

// EnvBaseURL names the environment variable that overrides DefaultBaseURL.
const EnvBaseURL = "VIDEO_API_URL"

// EnvUser names the environment variable in which JupyterHub gives an
// attendee's name to their kernels. A Client sends it with every request,
// so that a server shared by a room counts each attendee's requests apart.
const EnvUser = "JUPYTERHUB_USER"

// Limits of the client, as named constants.
const (
	// IdleConnsPerHost is how many idle keep-alive connections the client keeps
	// per host when no connection limit is set, so that 100 concurrent
	// requests reuse their connections instead of opening new ones each time.
	IdleConnsPerHost = 256
	// HealthTimeout bounds the Healthy check.
	HealthTimeout = 2 * time.Second
	// maxErrorBody bounds how much of an error body is read.
	maxErrorBody = 64 << 10
)

// BaseURL returns $VIDEO_API_URL, or DefaultBaseURL when it is unset, without
// a trailing slash.
func BaseURL() string {
	if u := strings.TrimSpace(os.Getenv(EnvBaseURL)); u != "" {
		return strings.TrimRight(u, "/")
	}
	return DefaultBaseURL
}

// Client talks to the mock video server. It is safe for use by many
// goroutines at once; share one Client rather than making one per request.
type Client struct {
	base         string
	socket       string // the Unix socket the server listens on, if any
	http         *http.Client
	maxConns     int
	customClient bool
	name         string // sent in endpoints.ClientHeader; "" for none
}

// Option configures a Client in New.
type Option func(*Client)

// WithMaxConnsPerHost caps the number of connections (busy or idle) to the
// server, Go's counterpart of aiohttp's TCPConnector(limit_per_host=n).
// Requests beyond the cap wait for a free connection. 0 means unlimited.
// It has no effect together with WithHTTPClient.
func WithMaxConnsPerHost(n int) Option {
	return func(c *Client) {
		if n < 0 {
			n = 0
		}
		c.maxConns = n
	}
}

// WithHTTPClient makes the Client send its requests through h.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) {
		if h != nil {
			c.http = h
			c.customClient = true
		}
	}
}

// WithName makes the Client name the person it runs for in every request
// (the server counts each name's requests apart), instead of $JUPYTERHUB_USER.
// A name the server would not accept (see endpoints.ValidClientName) is not
// sent at all; "" sends none.
func WithName(name string) Option {
	return func(c *Client) { c.name = validName(name) }
}

// validName returns name if the server accepts it as a client name, else "".
func validName(name string) string {
	if endpoints.ValidClientName(name) {
		return name
	}
	return ""
}

// New returns a Client for the server at baseURL ("" means BaseURL()). It
// names itself with $JUPYTERHUB_USER when that is set and valid. A base URL
// "unix:///path/to/video.sock" is a server on a Unix socket, reached as
// http://UnixSocketHost.
func New(baseURL string, opts ...Option) *Client {
	if baseURL == "" {
		baseURL = BaseURL()
	}
	c := &Client{base: strings.TrimRight(baseURL, "/"), name: validName(os.Getenv(EnvUser))}
	if path, ok := unixSocketPath(c.base); ok {
		c.socket = path
		c.base = useSocket(path)
	}
	for _, o := range opts {
		o(c)
	}
	if !c.customClient {
		t := newTransport(c.maxConns)
		if c.socket != "" {
			t.DialContext = dialSockets(t.DialContext)
		}
		c.http = &http.Client{Transport: t}
	}
	return c
}

// where names the server for messages: its URL, and its socket if any.
func (c *Client) where() string {
	if c.socket != "" {
		return c.base + " (Unix socket " + c.socket + ")"
	}
	return c.base
}

// newTransport clones Go's default transport and sets the per-host limits.
func newTransport(maxConns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxConnsPerHost = maxConns
	t.MaxIdleConns = 0 // no global cap; the per-host cap below applies
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	if maxConns > 0 {
		t.MaxIdleConnsPerHost = maxConns
	}
	return t
}

// BaseURL returns the server address this Client talks to (for a server on
// a Unix socket, http://UnixSocketHost).
func (c *Client) BaseURL() string { return c.base }

// Name returns the name the Client sends with its requests, or "".
func (c *Client) Name() string { return c.name }

// MaxConnsPerHost returns the connection cap set with WithMaxConnsPerHost (0 = unlimited).
func (c *Client) MaxConnsPerHost() int { return c.maxConns }

// Wrapped returns a copy of c whose requests go through wrap(t), t being
// the transport c sends through: the copy talks to the same server, with
// the same name and connections, and wrap's transport sees each request,
// e.g. to count what one part of a program sent. c itself is unchanged.
func (c *Client) Wrapped(wrap func(http.RoundTripper) http.RoundTripper) *Client {
	cp := *c
	h := *c.http
	t := h.Transport
	if t == nil {
		t = http.DefaultTransport
	}
	h.Transport = wrap(t)
	cp.http = &h
	return &cp
}

// Healthy checks that the server answers /healthz. Its error says where the
// server was expected and how to start it.
func (c *Client) Healthy(ctx context.Context) error {
	_, err := c.Settings(ctx)
	return err
}

// Settings asks the server (GET /healthz) whether it is alive and with which
// settings it runs. Its error says where the server was expected and how to
// start it.
func (c *Client) Settings(ctx context.Context) (ServerSettings, error) {
	ctx, cancel := context.WithTimeout(ctx, HealthTimeout)
	defer cancel()
	var body struct {
		Status string `json:"status"`
		ServerSettings
	}
	err := c.do(ctx, http.MethodGet, "/healthz", nil, &body)
	if err == nil && body.Status != "ok" {
		err = fmt.Errorf("unexpected health status %q", body.Status)
	}
	if err != nil {
		return ServerSettings{}, fmt.Errorf("video server not reachable at %s: start it in another terminal with `go run ./server` (or `make server`) from the repository root, or set %s: %w", c.where(), EnvBaseURL, err)
	}
	return body.ServerSettings, nil
}

// ListIDs returns the ids of the first n videos.
func (c *Client) ListIDs(ctx context.Context, n int) ([]string, error) {
	var ids []string
	err := c.do(ctx, http.MethodGet, "/videos?n="+strconv.Itoa(n), nil, &ids)
	return ids, err
}

// Video fetches one video (without its transcript).
func (c *Client) Video(ctx context.Context, id string) (Video, error) {
	var v Video
	err := c.do(ctx, http.MethodGet, "/videos/"+url.PathEscape(id), nil, &v)
	return v, err
}

// Transcript fetches the transcript of one video.
func (c *Client) Transcript(ctx context.Context, id string) (string, error) {
	var s string
	err := c.do(ctx, http.MethodGet, "/videos/"+url.PathEscape(id)+"/transcript", nil, &s)
	return s, err
}

// SaveWarnings replaces the content warnings stored for one video.
func (c *Client) SaveWarnings(ctx context.Context, id string, warnings []string) error {
	if warnings == nil {
		warnings = []string{}
	}
	body := struct {
		Warnings []string `json:"warnings"`
	}{warnings}
	return c.do(ctx, http.MethodPatch, "/videos/"+url.PathEscape(id), body, nil)
}

// Stats returns the server's per-endpoint counters.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := c.do(ctx, http.MethodGet, "/stats", nil, &s)
	return s, err
}

// ResetStats zeroes the server's peaks and counters and turns away the
// requests still queued (they get 503). A Client with a name resets only
// its own queued requests and counters (and the gates' totals), so that
// attendees sharing a server do not cut each other's requests short.
func (c *Client) ResetStats(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/stats/reset", nil, nil)
}

// Post fetches one post (ids 1..100).
func (c *Client) Post(ctx context.Context, id int) (Post, error) {
	var p Post
	err := c.do(ctx, http.MethodGet, "/posts/"+strconv.Itoa(id), nil, &p)
	return p, err
}

// Tile fetches one 256x256 PNG map tile and returns its bytes.
func (c *Client) Tile(ctx context.Context, z, x, y int) ([]byte, error) {
	path := fmt.Sprintf("/tiles/%d/%d/%d.png", z, x, y)
	resp, err := c.send(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	return b, nil
}

// Weather fetches the current weather at a point.
func (c *Client) Weather(ctx context.Context, lat, lon float64) (Weather, error) {
	q := url.Values{}
	q.Set("lat", strconv.FormatFloat(lat, 'f', -1, 64))
	q.Set("lon", strconv.FormatFloat(lon, 'f', -1, 64))
	var w Weather
	err := c.do(ctx, http.MethodGet, "/weather?"+q.Encode(), nil, &w)
	return w, err
}

// do sends a request with an optional JSON body and decodes a JSON answer into out (nil = discard).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	resp, err := c.send(ctx, method, path, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
	}
	return nil
}

// send performs the request and turns any non-2xx answer into an *APIError.
// On success the caller owns resp.Body.
func (c *Client) send(ctx context.Context, method, path string, in any) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encoding body: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.name != "" {
		req.Header.Set(endpoints.ClientHeader, c.name)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %w", method, path, readAPIError(resp))
	}
	return resp, nil
}

// readAPIError builds an *APIError from an error answer, preferring its JSON "detail".
func readAPIError(resp *http.Response) *APIError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{StatusCode: resp.StatusCode}
	// Retry-After is either a number of seconds or an HTTP date; the mock
	// server sends seconds.
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		e.RetryAfter = time.Duration(secs) * time.Second
	}
	var body struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(raw, &body) == nil && len(body.Detail) > 0 {
		var s string
		if json.Unmarshal(body.Detail, &s) == nil {
			e.Detail = s
		} else {
			e.Detail = string(body.Detail)
		}
	}
	if e.Detail == "" {
		e.Detail = strings.TrimSpace(string(raw))
	}
	if e.Detail == "" {
		e.Detail = http.StatusText(resp.StatusCode)
	}
	return e
}

// StatusCode returns the HTTP status of an *APIError wrapped in err, or 0.
func StatusCode(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// CloseIdleConnections closes the keep-alive connections the Client is not
// using, e.g. at the end of a program or a test.
func (c *Client) CloseIdleConnections() {
	c.http.CloseIdleConnections()
}
