package board

import (
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Limits of the board's HTTP side.
const (
	// MaxReport bounds a report's body.
	MaxReport = 4 << 10
	// MaxStreams bounds the live streams open at once (the host's
	// projector, side panel and a spare or two).
	MaxStreams = 16
	// StreamTick re-sends the room even without a change, so that "how long
	// ago" and "stuck" stay current and a dead connection is noticed.
	StreamTick = 5 * time.Second
	// StreamCoalesce is the least time between two events of a stream: a
	// burst of reports becomes one event.
	StreamCoalesce = 100 * time.Millisecond
)

//go:embed page.html
var pageHTML string

var page = template.Must(template.New("board").Parse(pageHTML))

// Server serves the board under Prefix (e.g. /services/board/).
type Server struct {
	Prefix string
	State  *State
	Hub    *Hub
	OAuth  *OAuth
	// Logf logs refusals and failures; nil logs nothing.
	Logf    func(format string, args ...any)
	streams atomic.Int32
}

// ServeHTTP routes the board's paths.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, s.Prefix)
	if !ok {
		if r.URL.Path+"/" == s.Prefix {
			http.Redirect(w, r, s.Prefix, http.StatusFound)
			return
		}
		http.NotFound(w, r)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch rest {
	case "report":
		s.report(w, r)
	case "oauth_callback":
		s.OAuth.Callback(w, r, s.Prefix)
	case "", "events", "state", "hand/clear", "view":
		name, csrf, ok := s.OAuth.Session(r)
		if !ok {
			if rest == "" && r.Method == http.MethodGet {
				s.OAuth.Login(w, r, s.Prefix)
				return
			}
			http.Error(w, "log in as the class's host: open the board's page", http.StatusUnauthorized)
			return
		}
		s.host(w, r, rest, name, csrf)
	default:
		http.NotFound(w, r)
	}
}

// host serves what only a logged-in host sees.
func (s *Server) host(w http.ResponseWriter, r *http.Request, rest, name, csrf string) {
	switch rest {
	case "":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'self'")
		_ = page.Execute(w, map[string]any{"Host": name, "CSRF": csrf})
	case "events":
		s.stream(w, r)
	case "view":
		s.view(w, r)
	case "state":
		writeJSON(w, s.State.Snapshot())
	case "hand/clear":
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Board-CSRF")), []byte(csrf)) != 1 {
			http.Error(w, "missing or wrong X-Board-CSRF", http.StatusForbidden)
			return
		}
		if err := s.State.ClearHand(r.URL.Query().Get("name")); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// report takes an attendee's report. The attendee is whom the hub says the
// token in the Authorization header belongs to; the body cannot name
// anyone. GET answers whether their hand is up.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "token ")
	if !ok {
		token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	id, err := s.Hub.Whoami(r.Context(), strings.TrimSpace(token))
	if err != nil {
		s.logf("report refused: %v", err)
		status := http.StatusForbidden
		if !errors.Is(err, ErrToken) {
			status = http.StatusBadGateway
		}
		http.Error(w, "the hub does not vouch for this token", status)
		return
	}
	if id.Kind != "" && id.Kind != "user" {
		http.Error(w, "only attendees report", http.StatusForbidden)
		return
	}
	switch r.Method {
	case http.MethodGet:
		raised := false
		for _, row := range s.State.Snapshot().Rows {
			raised = raised || (row.Name == id.Name && row.Hand != 0)
		}
		writeJSON(w, map[string]bool{"raised": raised})
		return
	case http.MethodPost:
	default:
		http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
		return
	}
	var rep Report
	dec := json.NewDecoder(io.LimitReader(r.Body, MaxReport))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		http.Error(w, "a report is one JSON object {kind, notebook, passed, raised}: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.State.Apply(id.Name, rep); err != nil {
		s.logf("report of %s refused: %v", id.Name, err)
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// stream sends the room as Server-Sent Events: one "board" event now, then
// one at each change (bursts coalesced) and at least every StreamTick.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	if s.streams.Add(1) > MaxStreams {
		s.streams.Add(-1)
		http.Error(w, fmt.Sprintf("at most %d boards may be open at once", MaxStreams), http.StatusServiceUnavailable)
		return
	}
	defer s.streams.Add(-1)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	tick := time.NewTicker(StreamTick)
	defer tick.Stop()
	for {
		changed := s.State.Changed()
		raw, err := json.Marshal(s.State.Snapshot())
		if err != nil {
			return
		}
		if _, err := fmt.Fprintf(w, "event: board\ndata: %s\n\n", raw); err != nil {
			return
		}
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		case <-changed:
			select {
			case <-time.After(StreamCoalesce):
			case <-r.Context().Done():
				return
			}
		}
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
