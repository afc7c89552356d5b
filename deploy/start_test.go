package deploy

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bounds of the start mechanism test's waits. Each waits for something to
// happen and only says when to give up, so each is generous: a Jupyter
// server that copies the workshop and starts the mock server can take
// minutes on a busy 2-core machine, a request through its proxy tens of
// seconds.
const (
	jupyterStartTimeout = 5 * time.Minute
	serverStopTimeout   = time.Minute
	requestTimeout      = time.Minute
	streamTimeout       = time.Minute
)

// jupyterServer is a Jupyter server started with the image's start
// mechanism, as in a pod: one attendee, their own mock server.
type jupyterServer struct {
	url, token, root string
	mockURL          string
	cmd              *exec.Cmd
	done             chan struct{}
}

// startJupyter starts `jupyter server` with deploy/jupyter on its config path
// and the mock server on a free port, serving a new home folder.
func startJupyter(t *testing.T) *jupyterServer {
	t.Helper()
	root := repoRoot(t)
	jupyter := filepath.Join(root, ".venv", "bin", "jupyter")
	if _, err := os.Stat(filepath.Join(root, ".venv", "bin", "jupyterhub-singleuser")); err != nil {
		t.Fatalf("JupyterHub's single-user server is not in .venv: run `make setup` in the repository root (it installs deploy/requirements.txt)")
	}
	bin := filepath.Join(t.TempDir(), "workshop-server")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "server")).CombinedOutput(); err != nil {
		t.Fatalf("building the server: %v\n%s", err, out)
	}
	home := t.TempDir()
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	s := &jupyterServer{token: hex.EncodeToString(tok), root: home, done: make(chan struct{})}
	port, mockPort := freePort(t), freePort(t)
	s.url = "http://127.0.0.1:" + strconv.Itoa(port)
	s.mockURL = "http://127.0.0.1:" + strconv.Itoa(mockPort)

	args := []string{"server", "--no-browser", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=" + strconv.Itoa(port),
		"--ServerApp.port_retries=0", "--ServerApp.root_dir=" + home}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root")
	}
	s.cmd = exec.Command(jupyter, args...)
	s.cmd.Dir = home
	s.cmd.Env = append(os.Environ(),
		"HOME="+home,
		// The token goes in the environment, never on the command line,
		// where every user of the machine could read it.
		"JUPYTER_TOKEN="+s.token,
		"JUPYTER_CONFIG_DIR="+filepath.Join(home, ".jupyter"),
		"JUPYTER_CONFIG_PATH="+filepath.Join(root, "deploy", "jupyter"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(home, "runtime"),
		"WORKSHOP_SOURCE="+root,
		"WORKSHOP_VIDEO_SERVER_BIN="+bin,
		"VIDEO_SERVER_ADDR=127.0.0.1:"+strconv.Itoa(mockPort),
	)
	logPath := filepath.Join(home, "jupyter.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting jupyter server: %v", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("jupyter server's log:\n%s", log)
		}
	})
	deadline := time.Now().Add(jupyterStartTimeout)
	for {
		if code, _, err := s.get("/api/status"); err == nil && code == http.StatusOK {
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("jupyter server exited at start; its log: %s", logPath)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("jupyter server did not answer within %v; its log: %s", jupyterStartTimeout, logPath)
		}
	}
}

// get fetches a path of the Jupyter server with its token.
func (s *jupyterServer) get(path string) (int, string, error) {
	return get(s.url+path, s.token)
}

// get fetches a URL, with a token if given.
func get(url, token string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	resp, err := (&http.Client{Timeout: requestTimeout}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// firstEvent opens an event stream as a browser's EventSource does and
// returns its first data line, within streamTimeout.
func firstEvent(url, token string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "data:") {
			return l, nil
		}
	}
	return "", fmt.Errorf("no event within %v (%v)", streamTimeout, sc.Err())
}

// waitDown waits until nothing answers at url.
func waitDown(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(serverStopTimeout)
	for {
		if _, _, err := get(url, ""); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mock server still answers at %s %v after its Jupyter server stopped", url, serverStopTimeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestStartMechanism starts a Jupyter server as the single-user image does
// and checks that the attendee's mock server comes and goes with it, that
// the browser reaches its pages through jupyter-server-proxy, with launcher
// tiles, and that the attendee gets their own copy of the workshop.
func TestStartMechanism(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Jupyter server (make setup); skipped in -short (the fast layer)")
	}
	s := startJupyter(t)

	if code, body, err := get(s.mockURL+"/healthz", ""); err != nil || code != http.StatusOK {
		t.Fatalf("the attendee's mock server does not answer at %s: %v %d %s", s.mockURL, err, code, body)
	}
	port := s.mockURL[strings.LastIndex(s.mockURL, ":")+1:]
	for _, path := range []string{"/proxy/" + port + "/healthz", "/video-api/healthz", "/video-api/docs", "/video-dashboard/dashboard"} {
		code, body, err := s.get(path)
		if err != nil || code != http.StatusOK {
			t.Errorf("GET %s through the Jupyter server: %v %d %.200s", path, err, code, body)
		}
	}
	if _, body, _ := s.get("/video-api/docs"); !strings.Contains(strings.ToLower(body), "<html") {
		t.Errorf("/video-api/docs is not the docs page: %.300s", body)
	}

	// The dashboard's live stream (Server-Sent Events) passes the proxy as it
	// comes, not once the response ends (it never does).
	if line, err := firstEvent(s.url+"/video-dashboard/stats/stream", s.token); err != nil {
		t.Errorf("the stats stream through the Jupyter server: %v", err)
	} else if !strings.HasPrefix(line, "data:") {
		t.Errorf("the stats stream's first line is %q, want an event", line)
	}

	// The launcher tiles JupyterLab shows.
	code, body, err := s.get("/server-proxy/servers-info")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /server-proxy/servers-info: %v %d %s", err, code, body)
	}
	var info struct {
		ServerProcesses []struct {
			Name          string `json:"name"`
			LauncherEntry struct {
				Enabled  bool   `json:"enabled"`
				Title    string `json:"title"`
				PathInfo string `json:"path_info"`
			} `json:"launcher_entry"`
		} `json:"server_processes"`
	}
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatalf("servers-info: %v\n%s", err, body)
	}
	tiles := map[string]string{}
	for _, p := range info.ServerProcesses {
		if p.LauncherEntry.Enabled {
			tiles[p.LauncherEntry.Title] = p.LauncherEntry.PathInfo
		}
	}
	for title, path := range map[string]string{"Video API docs": "video-api/docs", "Video server dashboard": "video-dashboard/dashboard"} {
		if tiles[title] != path {
			t.Errorf("launcher tile %q opens %q, want %q (tiles: %v)", title, tiles[title], path, tiles)
		}
	}

	// JupyterLab's defaults for a workshop room (labconfig/ beside the start
	// mechanism): no news pop-up and no update checks, which would need the
	// internet and interrupt the class.
	code, body, err = s.get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET JupyterLab's notification settings: %v %d %.300s", err, code, body)
	}
	// The server applies overrides to the defaults in the settings' schema;
	// the page uses them wherever the user set nothing.
	var notification struct {
		Schema struct {
			Properties struct {
				CheckForUpdates struct {
					Default bool `json:"default"`
				} `json:"checkForUpdates"`
				FetchNews struct {
					Default string `json:"default"`
				} `json:"fetchNews"`
			} `json:"properties"`
		} `json:"schema"`
	}
	if err := json.Unmarshal([]byte(body), &notification); err != nil {
		t.Fatalf("JupyterLab's notification settings: %v\n%.300s", err, body)
	}
	if p := notification.Schema.Properties; p.CheckForUpdates.Default || p.FetchNews.Default != "false" {
		t.Errorf("JupyterLab's notification defaults are checkForUpdates=%v fetchNews=%q, want false and \"false\" (no news pop-up in class)", p.CheckForUpdates.Default, p.FetchNews.Default)
	}

	// The attendee's own copy of the workshop, without the tooling.
	ws := filepath.Join(s.root, "workshop")
	for _, f := range []string{"go.mod", "go.sum", "notebooks/00_start_here.ipynb", "notebooks/01_snippets_from_the_slides.ipynb", "snippets/videoapi/client.go", "internal/cli/cli.go"} {
		if _, err := os.Stat(filepath.Join(ws, f)); err != nil {
			t.Errorf("the attendee's workshop lacks %s: %v", f, err)
		}
	}
	testOnly, _ := testOnlyInternal(t)
	for _, f := range append(testOnly, "deploy", ".git", ".venv", "notebooks/harness_test.go", "notebooks/cellimports", "notebooks/ipynb", "notebooks/nbrun", "snippets/videoapi/client_test.go") {
		if _, err := os.Stat(filepath.Join(ws, f)); err == nil {
			t.Errorf("the attendee's workshop contains %s, which is tooling, not the lesson", f)
		}
	}

	// Stopping the Jupyter server stops the mock server.
	req, _ := http.NewRequest(http.MethodPost, s.url+"/api/shutdown", nil)
	req.Header.Set("Authorization", "token "+s.token)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatalf("POST /api/shutdown: %v", err)
	} else {
		resp.Body.Close()
	}
	select {
	case <-s.done:
	case <-time.After(serverStopTimeout):
		t.Fatalf("jupyter server did not stop within %v", serverStopTimeout)
	}
	waitDown(t, s.mockURL+"/healthz")
}

// TestStartMechanismKilled: a Jupyter server killed outright (as a pod's
// container or an out-of-memory kill would) still takes its mock server
// with it.
func TestStartMechanismKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Jupyter server (make setup); skipped in -short (the fast layer)")
	}
	s := startJupyter(t)
	if code, _, err := get(s.mockURL+"/healthz", ""); err != nil || code != http.StatusOK {
		t.Fatalf("the attendee's mock server does not answer at %s: %v %d", s.mockURL, err, code)
	}
	if err := s.cmd.Process.Kill(); err != nil { // the Jupyter server only, not its group
		t.Fatal(err)
	}
	<-s.done
	waitDown(t, s.mockURL+"/healthz")
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
