package mockserver

import (
	"bytes"
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestIsHost(t *testing.T) {
	tests := []struct {
		name  string
		uid   int
		known bool
		want  bool
	}{
		{"root", 0, true, true},
		{"the server's own user", os.Getuid(), true, true},
		{"another user", os.Getuid() + 4242, true, false},
		{"unknown (TCP)", 0, false, false},
	}
	for _, tt := range tests {
		if got := isHost(tt.uid, tt.known); got != tt.want {
			t.Errorf("%s: isHost(%d, %v) = %v, want %v", tt.name, tt.uid, tt.known, got, tt.want)
		}
	}
}

// changes are the requests that change what a room sees.
var changes = []struct{ method, path, body string }{
	{http.MethodPost, "/stats/reset", ""},
	{http.MethodPatch, "/videos/{id}", `{"warnings": ["shouting"]}`},
}

// TestSharedServer: a shared server refuses changes over TCP, where nobody
// is its host, and lets its own user make them over its Unix socket; a
// server of one's own lets everyone. The reads answer either way.
func TestSharedServer(t *testing.T) {
	dir := shortTempDir(t)
	tests := []struct {
		name   string
		shared bool
		unix   bool
		want   int
	}{
		{"own server, TCP", false, false, http.StatusOK},
		{"shared, TCP: nobody is the host", true, false, http.StatusForbidden},
		{"shared, Unix socket, the server's own user", true, true, http.StatusOK},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.LatencyScale = 0
			cfg.Shared = tt.shared
			cfg.Addr = "127.0.0.1:0"
			if tt.unix {
				cfg.Addr = "unix:" + filepath.Join(dir, strconv.Itoa(i)+".sock")
			}
			r, err := Start(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { stopRunning(t, r) })
			c, base := clientOf(r)
			id := r.db.IDs(1)[0]
			for _, ch := range changes {
				req, _ := http.NewRequest(ch.method, base+strings.Replace(ch.path, "{id}", id, 1), bytes.NewBufferString(ch.body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body bytes.Buffer
				_, _ = body.ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Errorf("%s %s: %s %s, want %d", ch.method, ch.path, resp.Status, body.String(), tt.want)
				}
				if tt.want == http.StatusForbidden && !strings.Contains(body.String(), "only its host") {
					t.Errorf("%s %s refused with %q: want it to say why", ch.method, ch.path, body.String())
				}
			}
			resp, err := c.Get(base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(body.String(), `"shared":`+strconv.FormatBool(tt.shared)) {
				t.Errorf("GET /healthz: %s %s, want 200 saying shared=%v", resp.Status, body.String(), tt.shared)
			}
			// A refused PATCH changed nothing.
			v, _ := r.db.Video(id)
			if changed := len(v.Warnings) > 0; changed != (tt.want == http.StatusOK) {
				t.Errorf("after the PATCH the video has warnings %q", v.Warnings)
			}
		})
	}
}

// TestSocketGroup: with a group, the socket is the group's and 0660;
// an unknown group, or a group on TCP, is refused before anything listens.
func TestSocketGroup(t *testing.T) {
	dir := shortTempDir(t)
	sock := filepath.Join(dir, "room.sock")
	cfg := DefaultConfig()
	cfg.LatencyScale = 0
	cfg.Addr = "unix:" + sock
	cfg.SocketGroup = strconv.Itoa(os.Getgid())
	r, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != SharedSocketMode || int(st.Gid) != os.Getgid() {
		t.Errorf("socket %v, group %d; want a socket of mode %v, group %d", fi.Mode(), st.Gid, SharedSocketMode, os.Getgid())
	}
	stopRunning(t, r)

	cfg.SocketGroup = "no-such-group-of-the-workshop"
	if _, err := Start(cfg); err == nil || !strings.Contains(err.Error(), "no such group") {
		t.Errorf("Start with an unknown group = %v, want an error naming it", err)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("a socket is left after the refused start: %v", err)
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.SocketGroup = "0"
	if err := cfg.Validate(); err == nil {
		t.Error("a socket group on TCP validated")
	}
}

// clientOf returns an HTTP client and base URL that reach r, over its
// socket or TCP.
func clientOf(r *Running) (*http.Client, string) {
	if path, ok := UnixSocketPath(r.URL); ok {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", path)
			}}}, "http://unix"
	}
	return &http.Client{Timeout: 5 * time.Second}, r.URL
}

func stopRunning(t *testing.T, r *Running) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Error(err)
	}
}
