package videoapi_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// startOnSocket runs the real server on a Unix socket and returns its
// VIDEO_API_URL.
func startOnSocket(t *testing.T) (url, path string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "va") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path = filepath.Join(dir, "video.sock")
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0
	cfg.Videos = 20
	servertest.StartAt(t, cfg, "unix:"+path)
	return "unix://" + path, path
}

func TestUnixSocket(t *testing.T) {
	url, path := startOnSocket(t)
	c := videoapi.New(url)
	t.Cleanup(c.CloseIdleConnections)
	if got := c.BaseURL(); got != "http://"+videoapi.UnixSocketHost {
		t.Errorf("BaseURL() = %q, want http://%s", got, videoapi.UnixSocketHost)
	}
	ids, err := c.ListIDs(context.Background(), 5)
	if err != nil || len(ids) != 5 {
		t.Fatalf("ListIDs over the socket = %v, %v", ids, err)
	}

	// A cell's own client, cloned from Go's default transport, reaches the
	// server at the same URL (notebook 01 does this).
	plain := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(plain.CloseIdleConnections)
	resp, err := plain.Get(c.BaseURL() + "/posts/1")
	if err != nil {
		t.Fatalf("GET through a clone of http.DefaultTransport: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"id":1`) {
		t.Errorf("GET /posts/1 = %s %s", resp.Status, body)
	}

	// The same socket written unix:/path is the same server.
	if c2 := videoapi.New("unix:" + path); c2.BaseURL() != c.BaseURL() {
		t.Errorf("unix:%s gives %q, unix://%s gives %q", path, c2.BaseURL(), path, c.BaseURL())
	}
}

func TestUnixSocketBrowserURL(t *testing.T) {
	url, _ := startOnSocket(t)
	t.Setenv(videoapi.EnvBrowserURL, "")
	t.Setenv(videoapi.EnvHubPrefix, "/user/alice/")
	if got, want := videoapi.New(url).BrowserURL("/dashboard"), "/user/alice/video-api/dashboard"; got != want {
		t.Errorf("BrowserURL = %q, want %q", got, want)
	}
}

func TestUnixSocketNotReachable(t *testing.T) {
	dir := t.TempDir()
	gone := filepath.Join(dir, "none.sock")
	err := videoapi.New("unix://" + gone).Healthy(context.Background())
	if err == nil || !strings.Contains(err.Error(), gone) {
		t.Errorf("Healthy on a socket nobody listens on = %v, want an error naming %s", err, gone)
	}
	// Other hosts still go where they went.
	other := videoapi.New("http://127.0.0.1:1")
	if err := other.Healthy(context.Background()); err == nil || strings.Contains(err.Error(), "Unix socket") {
		t.Errorf("Healthy of a TCP address = %v", err)
	}
}
