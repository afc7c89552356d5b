package classroom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// apiAsHub calls the hub's REST API as a logged-in browser does (its cookie
// and _xsrf token) and decodes the JSON answer into out, if not nil. It
// returns the status code.
func (a *attendee) hubAPI(ctx context.Context, method, path string, out any) (int, error) {
	h := http.Header{"X-XSRFToken": {a.cookie("/hub/", "_xsrf")}, "Accept": {"application/json"}}
	raw, resp, err := a.do(ctx, method, a.hub.URL+"/hub/api/"+path, nil, h)
	if resp == nil {
		return 0, err
	}
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w: %.300s", method, path, err, raw)
		}
	}
	return resp.StatusCode, nil
}

// hubUser is a user as the hub's API lists it.
type hubUser struct {
	Name    string         `json:"name"`
	Admin   bool           `json:"admin"`
	Servers map[string]any `json:"servers"`
}

// checkDoor tries the door: a name someone holds, with another password;
// a wrong workshop code; the host's name; then the host's admin page, the
// cap on running servers, and the host stopping a server.
func checkDoor(t *testing.T, h *hub, sessions []session) {
	ctx, cancel := withTimeout(t, 5*time.Minute)
	defer cancel()
	holder := sessions[0].attendee

	t.Run("a name someone holds", func(t *testing.T) {
		thief := newAttendee(h, holder.Name)
		msg, err := thief.signUp(ctx, h.Code)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, "already in use") {
			t.Errorf("signing up as %q, which %s holds, with another password: the hub said %q, want that the name is taken", holder.Name, holder.Name, msg)
		}
		if err := thief.login(ctx, thief.Password); err == nil {
			t.Errorf("logging in as %q with another password than theirs worked", holder.Name)
		}
		if err := newAttendee(h, holder.Name).login(ctx, holder.Password); err != nil {
			t.Errorf("%s's own password no longer works: %v", holder.Name, err)
		}
	})
	t.Run("a wrong workshop code", func(t *testing.T) {
		stranger := newAttendee(h, "stranger")
		msg, err := stranger.signUp(ctx, "WRONG-CODE-0000")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, "workshop code") {
			t.Errorf("signing up with a wrong workshop code: the hub said %q, want a refusal naming the code", msg)
		}
		if err := stranger.login(ctx, stranger.Password); err == nil {
			t.Error("a stranger refused at sign-up could log in")
		}
	})
	t.Run("the host's name", func(t *testing.T) {
		impostor := newAttendee(h, h.Admin)
		msg, err := impostor.signUp(ctx, h.Code)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, "already in use") {
			t.Errorf("signing up as the host %q: the hub said %q, want that the name is taken", h.Admin, msg)
		}
		if err := impostor.login(ctx, impostor.Password); err == nil {
			t.Errorf("logging in as the host %q with a password of one's own worked", h.Admin)
		}
	})

	host := newAttendee(h, h.Admin)
	host.Password = h.AdminPassword
	if err := host.login(ctx, host.Password); err != nil {
		t.Fatalf("the host cannot log in with their password: %v", err)
	}
	t.Run("the admin page", func(t *testing.T) {
		page, _, err := host.do(ctx, http.MethodGet, h.URL+"/hub/admin", nil, nil)
		if err != nil || !strings.Contains(string(page), "admin") {
			t.Fatalf("the host's admin page: %v %.300s", err, page)
		}
		var users []hubUser
		if _, err := host.hubAPI(ctx, http.MethodGet, "users", &users); err != nil {
			t.Fatalf("the host lists the users: %v", err)
		}
		running := map[string]bool{}
		for _, u := range users {
			_, on := u.Servers[""]
			running[u.Name] = on
		}
		for _, s := range sessions {
			if !running[s.Name] {
				t.Errorf("the host's list of users does not show %s's server running: %+v", s.Name, users)
			}
		}
		// The idle culler runs as a hub service, with its own role.
		var services map[string]struct {
			Name    string   `json:"name"`
			Command []string `json:"command"`
			Roles   []string `json:"roles"`
		}
		if _, err := host.hubAPI(ctx, http.MethodGet, "services", &services); err != nil {
			t.Errorf("the host lists the hub's services: %v", err)
		} else if c, ok := services["idle-culler"]; !ok || !strings.Contains(strings.Join(c.Command, " "), "jupyterhub_idle_culler") {
			t.Errorf("the hub has no idle-culler service running jupyterhub_idle_culler: %+v", services)
		}
		if _, _, err := holder.do(ctx, http.MethodGet, h.URL+"/hub/admin", nil, nil); err == nil || !strings.Contains(err.Error(), "403") {
			t.Errorf("an attendee opened the admin page: %v", err)
		}
		if code, err := holder.hubAPI(ctx, http.MethodGet, "users", nil); code != http.StatusForbidden {
			t.Errorf("an attendee listed the users: %d %v", code, err)
		}
	})
	t.Run("the cap on running servers", func(t *testing.T) {
		late := newAttendee(h, "latecomer")
		// The login lands on the spawn page, which the cap refuses (429);
		// asked again, the spawn is refused too.
		err := late.join(ctx)
		if err == nil {
			_, err = late.spawn(ctx)
		}
		if err == nil || !(strings.Contains(err.Error(), "limit") || strings.Contains(err.Error(), "429")) {
			t.Errorf("a server past the cap of %d started: %v", len(sessions), err)
		}
	})
	t.Run("the host stops a server", func(t *testing.T) {
		last := sessions[len(sessions)-1]
		code, err := host.hubAPI(ctx, http.MethodDelete, "users/"+url.PathEscape(last.Name)+"/server", nil)
		if err != nil || (code != http.StatusAccepted && code != http.StatusNoContent) {
			t.Fatalf("the host stops %s's server: %d %v", last.Name, code, err)
		}
		if !h.Walled {
			return
		}
		uid := accountUID(t, h.Prefix+last.Name)
		if err := waitFor(ctx, 60*time.Second, func() error {
			if n := len(processesOfUID(uid)); n > 0 {
				return fmt.Errorf("%d processes of %s still run", n, h.Prefix+last.Name)
			}
			return nil
		}); err != nil {
			t.Errorf("after the host stopped %s's server: %v", last.Name, err)
		}
	})
}

// waitFor calls check until it returns nil or d passes; it returns the
// last error.
func waitFor(ctx context.Context, d time.Duration, check func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// processesOfUID lists the running processes of uid, with their commands.
func processesOfUID(uid int) []string {
	out, _ := exec.Command("ps", "-u", fmt.Sprint(uid), "-o", "pid=,stat=,args=").Output()
	var procs []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(l); len(f) > 1 && !strings.HasPrefix(f[1], "Z") {
			procs = append(procs, l)
		}
	}
	return procs
}
