package board

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Limits of the board's calls to the hub.
const (
	// HubTimeout bounds one call to the hub's API.
	HubTimeout = 5 * time.Second
	// MaxHubAnswer bounds an answer the board reads from the hub.
	MaxHubAnswer = 8 << 20
	// TokenCacheTTL is how long the board trusts what the hub said a token
	// belongs to; TokenCacheSize bounds how many it remembers.
	TokenCacheTTL  = 5 * time.Minute
	TokenCacheSize = 4 * MaxAttendees
)

// ErrToken is a token the hub does not accept.
var ErrToken = errors.New("the hub does not accept this token")

// Hub talks to JupyterHub's REST API (JUPYTERHUB_API_URL) with the board's
// own token, and asks it whom other tokens belong to.
type Hub struct {
	API   string // e.g. http://127.0.0.1:8081/hub/api
	Token string // the board's service token
	// Servers is where the attendees' servers are reached, user/<name>/
	// under it: the hub's proxy and base URL (e.g. http://127.0.0.1:8000/).
	Servers string
	Client  *http.Client

	mu     sync.Mutex
	tokens map[[32]byte]cachedUser
}

type cachedUser struct {
	user    Identity
	expires time.Time
}

// Identity is who a token belongs to, as the hub's /user answers.
type Identity struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
}

// get calls the hub's API with token and decodes the JSON answer.
func (h *Hub) get(ctx context.Context, path, token string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, HubTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(h.API, "/")+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "token "+token)
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("asking the hub: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxHubAnswer))
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return ErrToken
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("the hub answered %s %s: %.200s", path, resp.Status, raw)
	}
	return json.Unmarshal(raw, out)
}

// Whoami returns whom token belongs to, asking the hub unless it answered
// for the same token within TokenCacheTTL.
func (h *Hub) Whoami(ctx context.Context, token string) (Identity, error) {
	if token == "" {
		return Identity{}, ErrToken
	}
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	h.mu.Lock()
	if c, ok := h.tokens[key]; ok && now.Before(c.expires) {
		h.mu.Unlock()
		return c.user, nil
	}
	h.mu.Unlock()
	var id Identity
	if err := h.get(ctx, "/user", token, &id); err != nil {
		return Identity{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tokens == nil || len(h.tokens) >= TokenCacheSize {
		h.tokens = map[[32]byte]cachedUser{} // forget all rather than grow
	}
	h.tokens[key] = cachedUser{id, now.Add(TokenCacheTTL)}
	return id, nil
}

// Users lists the hub's users and their default servers' states.
func (h *Hub) Users(ctx context.Context) ([]HubUser, error) {
	var users []struct {
		Name    string `json:"name"`
		Admin   bool   `json:"admin"`
		Servers map[string]struct {
			Ready   bool    `json:"ready"`
			Pending *string `json:"pending"`
		} `json:"servers"`
	}
	if err := h.get(ctx, "/users?limit=2000", h.Token, &users); err != nil {
		return nil, err
	}
	out := make([]HubUser, 0, len(users))
	for _, u := range users {
		hu := HubUser{Name: u.Name, Admin: u.Admin}
		if s, ok := u.Servers[""]; ok {
			switch {
			case s.Ready && s.Pending == nil:
				hu.Server = Running
			case s.Pending != nil && *s.Pending == "spawn":
				hu.Server = Starting
			case s.Ready:
				hu.Server = Running
			}
		}
		out = append(out, hu)
	}
	return out, nil
}

// Poll reads the hub's users into st every interval until ctx ends. A
// failed read keeps the last state (and is logged by logf).
func (h *Hub) Poll(ctx context.Context, st *State, interval time.Duration, logf func(string, ...any)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if users, err := h.Users(ctx); err != nil {
			logf("reading the hub's users: %v", err)
		} else {
			st.SetUsers(users)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
