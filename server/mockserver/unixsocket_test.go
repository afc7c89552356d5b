package mockserver

import (
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUnixSocketPath(t *testing.T) {
	tests := []struct {
		addr, path string
		ok         bool
	}{
		{"unix:/run/x/video.sock", "/run/x/video.sock", true},
		{"unix:///run/x/video.sock", "/run/x/video.sock", true},
		{"unix:video.sock", "video.sock", true},
		{"127.0.0.1:8000", "", false},
		{"unixhost:8000", "", false},
	}
	for _, tt := range tests {
		if path, ok := UnixSocketPath(tt.addr); path != tt.path || ok != tt.ok {
			t.Errorf("UnixSocketPath(%q) = %q, %v; want %q, %v", tt.addr, path, ok, tt.path, tt.ok)
		}
	}
}

func TestValidateUnixAddr(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"unix:/tmp/video.sock", true},
		{"unix:video.sock", false}, // relative
		{"unix:/" + strings.Repeat("x", 120), false},
		{"no-port", false},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		cfg.Addr = tt.addr
		if err := cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}

// unixGet asks the server on the socket at path for /healthz.
func unixGet(path string) (*http.Response, error) {
	c := http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}}
	return c.Get("http://unix/healthz")
}

// shortTempDir is a folder whose socket paths fit sockaddr_un (t.TempDir's
// can be longer than 107 bytes).
func shortTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "ms")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestStartUnixSocket(t *testing.T) {
	dir := shortTempDir(t)
	sock := filepath.Join(dir, "video.sock")
	// A socket file left by a server that died is replaced.
	stale, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()

	cfg := DefaultConfig()
	cfg.LatencyScale = 0
	cfg.Addr = "unix:" + sock
	r, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start on a stale socket: %v", err)
	}
	if r.URL != "unix://"+sock {
		t.Errorf("URL = %q, want unix://%s", r.URL, sock)
	}
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != SocketMode {
		t.Errorf("socket file: %v %v, want a socket with mode %v", fi.Mode(), err, SocketMode)
	}
	resp, err := unixGet(sock)
	if err != nil {
		t.Fatalf("GET /healthz over the socket: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: %s", resp.Status)
	}
	// A second server on the same socket must not take it over.
	if _, err := Start(cfg); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Errorf("a second Start on a live socket = %v, want an error", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("the socket file is still there after Stop: %v", err)
	}

	// Any other file in the way is left alone.
	if err := os.WriteFile(sock, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(cfg); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Start over a regular file = %v, want an error", err)
	}
	if b, _ := os.ReadFile(sock); string(b) != "keep" {
		t.Errorf("the regular file was changed: %q", b)
	}
}
