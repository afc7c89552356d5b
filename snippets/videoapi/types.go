package videoapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Video is one video as the server returns it (the transcript is fetched separately).
type Video struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	UploadDate  string   `json:"upload_date"`
	Views       int      `json:"views"`
	Warnings    []string `json:"warnings"`
}

// Post is one blog post from the /posts endpoint.
type Post struct {
	UserID int    `json:"userId"`
	ID     int    `json:"id"`
	Title  string `json:"title"`
	Body   string `json:"body"`
}

// Weather is one reading from the /weather endpoint.
type Weather struct {
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Temperature float64 `json:"temperature"`
	Description string  `json:"description"`
}

// ServerSettings are the settings the server runs with, as GET /healthz
// reports them.
type ServerSettings struct {
	// LatencyScale multiplies every modelled latency (1 = the talk's).
	LatencyScale float64 `json:"latency_scale"`
	// MaxWaiting is how many requests may queue per gate before the server
	// answers 503 (0 = unlimited).
	MaxWaiting int `json:"max_waiting"`
	// Shared is true for a server the whole room shares: only its host may
	// change its videos or reset its counters.
	Shared bool `json:"shared"`
}

// EndpointStats are the server's counters for one endpoint: requests being
// served and queued now, their peaks since the last reset, how many were
// served, how many were served slower than the minimum delay (degraded) and
// how many were turned away with 503 (rejected).
type EndpointStats struct {
	InFlight     int `json:"in_flight"`
	Waiting      int `json:"waiting"`
	PeakInFlight int `json:"peak_in_flight"`
	PeakWaiting  int `json:"peak_waiting"`
	Served       int `json:"served"`
	Degraded     int `json:"degraded"`
	Rejected     int `json:"rejected"`
	// Clients holds the same counters for each client that named itself
	// (see WithName and $JUPYTERHUB_USER), as GET /stats reports them, with
	// "(other)" for the clients past the server's limit; nil when none did.
	Clients map[string]EndpointStats `json:"clients,omitempty"`
}

// Stats maps an endpoint name as the server reports it ("video",
// "transcript", "patch", ...) to its counters.
type Stats map[string]EndpointStats

// String formats one endpoint's counters on one line.
func (e EndpointStats) String() string {
	return fmt.Sprintf("peak in flight %d, peak waiting %d, served %d, degraded %d, rejected %d",
		e.PeakInFlight, e.PeakWaiting, e.Served, e.Degraded, e.Rejected)
}

// APIError is the error for any answer outside 2xx. Detail is the server's
// "detail" message (or the status text when the body has none). RetryAfter is
// how long the server asked the client to wait before trying again (its
// Retry-After header, sent with 503 when it is overloaded), or 0.
type APIError struct {
	StatusCode int
	Detail     string
	RetryAfter time.Duration
}

// IsHostOnly reports whether err is a server's refusal of a request only
// its host may send: 403, from a server the whole room shares (see
// ServerSettings.Shared), to PATCH its videos or reset its counters.
func IsHostOnly(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusForbidden
}

// Error reports the status code and the server's detail.
func (e *APIError) Error() string {
	return fmt.Sprintf("status %d: %s", e.StatusCode, e.Detail)
}
