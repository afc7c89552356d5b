package board

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Limits of the host's logins.
const (
	// SessionTTL is how long a login to the board lasts.
	SessionTTL = 12 * time.Hour
	// MaxSessions bounds the logins kept; the oldest goes first.
	MaxSessions = 64
	// sessionCookie and stateCookie name the board's cookies.
	sessionCookie = "workshop-board"
	stateCookie   = "workshop-board-state"
)

// OAuth logs the host in through JupyterHub's OAuth provider for services:
// the browser is sent to the hub's authorize page, comes back with a code,
// the board trades it for a token of the user and asks the hub who that is.
// Only hub admins get a session.
type OAuth struct {
	Hub          *Hub
	ClientID     string // JUPYTERHUB_CLIENT_ID
	AuthorizeURL string // the hub's public /hub/api/oauth2/authorize
	CallbackURL  string // JUPYTERHUB_OAUTH_CALLBACK_URL

	mu       sync.Mutex
	sessions map[string]session
}

type session struct {
	name    string
	csrf    string
	expires time.Time
}

// newID returns 32 random hex digits.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// secure reports whether the browser reached the board over HTTPS.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// Session returns the login of the request's browser, if any.
func (o *OAuth) Session(r *http.Request) (name, csrf string, ok bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", "", false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	s, found := o.sessions[c.Value]
	if !found || time.Now().After(s.expires) {
		return "", "", false
	}
	return s.name, s.csrf, true
}

// Login sends the browser to the hub's authorize page.
func (o *OAuth) Login(w http.ResponseWriter, r *http.Request, path string) {
	state := newID()
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: path, HttpOnly: true,
		Secure: secure(r), SameSite: http.SameSiteLaxMode, MaxAge: 600})
	q := url.Values{"client_id": {o.ClientID}, "redirect_uri": {o.CallbackURL}, "response_type": {"code"}, "state": {state}}
	http.Redirect(w, r, o.AuthorizeURL+"?"+q.Encode(), http.StatusFound)
}

// Callback finishes a login: it checks the state, trades the code for the
// user's token, and keeps a session for an admin. Anyone else gets 403.
func (o *OAuth) Callback(w http.ResponseWriter, r *http.Request, path string) {
	c, err := r.Cookie(stateCookie)
	got := r.URL.Query().Get("state")
	if err != nil || got == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) != 1 {
		http.Error(w, "This login did not start here: open the board again.", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: path, MaxAge: -1})
	token, err := o.exchange(r.Context(), r.URL.Query().Get("code"))
	if err != nil {
		http.Error(w, "The hub did not confirm this login: "+err.Error(), http.StatusForbidden)
		return
	}
	id, err := o.Hub.Whoami(r.Context(), token)
	if err != nil {
		http.Error(w, "The hub did not say who you are: "+err.Error(), http.StatusForbidden)
		return
	}
	if !id.Admin {
		http.Error(w, "The class board is for the class's host (a hub admin) only.", http.StatusForbidden)
		return
	}
	sid := newID()
	o.mu.Lock()
	o.prune()
	o.sessions[sid] = session{name: id.Name, csrf: newID(), expires: time.Now().Add(SessionTTL)}
	o.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: path, HttpOnly: true,
		Secure: secure(r), SameSite: http.SameSiteLaxMode, MaxAge: int(SessionTTL.Seconds())})
	http.Redirect(w, r, path, http.StatusFound)
}

// prune drops expired sessions, then the oldest while there are too many;
// o.mu is held.
func (o *OAuth) prune() {
	if o.sessions == nil {
		o.sessions = map[string]session{}
	}
	now := time.Now()
	for id, s := range o.sessions {
		if now.After(s.expires) {
			delete(o.sessions, id)
		}
	}
	for len(o.sessions) >= MaxSessions {
		oldest := ""
		for id, s := range o.sessions {
			if oldest == "" || s.expires.Before(o.sessions[oldest].expires) {
				oldest = id
			}
		}
		delete(o.sessions, oldest)
	}
}

// exchange trades an OAuth code for the user's token at the hub's token
// endpoint, the board's own token being its client secret.
func (o *OAuth) exchange(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", fmt.Errorf("no code")
	}
	ctx, cancel := context.WithTimeout(ctx, HubTimeout)
	defer cancel()
	form := url.Values{"client_id": {o.ClientID}, "client_secret": {o.Hub.Token}, "grant_type": {"authorization_code"},
		"code": {code}, "redirect_uri": {o.CallbackURL}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.Hub.API, "/")+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := o.Hub.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint: %s", resp.Status)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(raw, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token endpoint gave no token")
	}
	return tok.AccessToken, nil
}
