package browsercheck

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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

	"github.com/go-async-workshop/workshop/internal/chromium"
)

// setupHint tells how to install what the check needs.
const setupHint = "run `make setup` in the repository root (it installs JupyterLab into .venv/ and the GoNB kernel into .jupyter/)"

// labSettings are JupyterLab user settings for the check: every cell attached
// to the page and no blank space after the last (so all of them can be
// inspected and photographed), no autosave,
// and no news or update checks (they would reach the internet).
var labSettings = map[string]string{
	"@jupyterlab/notebook-extension/tracker.jupyterlab-settings":      `{"windowingMode": "none", "scrollPastEnd": false}`,
	"@jupyterlab/docmanager-extension/plugin.jupyterlab-settings":     `{"autosave": false}`,
	"@jupyterlab/apputils-extension/notification.jupyterlab-settings": `{"fetchNews": "false", "checkForUpdates": false}`,
}

// LabConfig is make lab's JupyterLab configuration, relative to the
// repository's root; the check's JupyterLab uses it too.
const LabConfig = "scripts/lab_config.py"

// tools are the programs the check drives.
type tools struct {
	jupyter  string // the jupyter command
	dataDir  string // JUPYTER_DATA_DIR holding the GoNB kernel
	chromium string // the browser
}

// findTools locates jupyter, the GoNB kernel and Chromium, failing the test
// with the fix when one is missing.
func findTools(t *testing.T, root string) tools {
	t.Helper()
	var tl tools
	tl.jupyter = filepath.Join(root, ".venv", "bin", "jupyter")
	if _, err := os.Stat(tl.jupyter); err != nil {
		if tl.jupyter, err = exec.LookPath("jupyter"); err != nil {
			t.Fatalf("jupyter not found in .venv/bin or on PATH: %s", setupHint)
		}
	}
	tl.dataDir = os.Getenv("JUPYTER_DATA_DIR")
	if tl.dataDir == "" {
		tl.dataDir = filepath.Join(root, ".jupyter")
	}
	spec := filepath.Join(tl.dataDir, "kernels", "gonb", "kernel.json")
	raw, err := os.ReadFile(spec)
	if err != nil {
		t.Fatalf("the GoNB kernel is not installed (%v): %s", err, setupHint)
	}
	var kernel struct {
		Argv        []string `json:"argv"`
		DisplayName string   `json:"display_name"`
	}
	if err := json.Unmarshal(raw, &kernel); err != nil || len(kernel.Argv) == 0 {
		t.Fatalf("%s is not a valid kernel spec (%v): %s", spec, err, setupHint)
	}
	if _, err := os.Stat(kernel.Argv[0]); err != nil {
		t.Fatalf("the GoNB kernel points at a missing program %s: %s", kernel.Argv[0], setupHint)
	}
	if tl.chromium, err = chromium.Find(); err != nil {
		t.Fatal(err)
	}
	return tl
}

// jupyterLab is a JupyterLab server started by the check.
type jupyterLab struct {
	URL   string // base URL, http://127.0.0.1:PORT
	Token string
	cmd   *exec.Cmd
	done  chan struct{} // closed when the process has exited
	err   error         // the process's exit error, valid after done
}

// startJupyterLab starts JupyterLab on a free loopback port with a random
// token and a temporary config and runtime directory, serving rootDir. It
// waits until the server answers and registers a cleanup that stops it.
func startJupyterLab(t *testing.T, tl tools, root, rootDir, logPath string, env []string) *jupyterLab {
	t.Helper()
	tmp := t.TempDir()
	configDir := filepath.Join(tmp, "config")
	for name, body := range labSettings {
		p := filepath.Join(configDir, "lab", "user-settings", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	token := randomToken(t)
	lab := &jupyterLab{URL: "http://127.0.0.1:" + strconv.Itoa(port), Token: token, done: make(chan struct{})}

	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })

	args := []string{"lab",
		"--no-browser",
		"--ServerApp.ip=127.0.0.1",
		"--ServerApp.port=" + strconv.Itoa(port),
		"--ServerApp.port_retries=0",
		"--ServerApp.root_dir=" + rootDir,
		// make lab's own configuration (scripts/lab.sh passes it too).
		"--config=" + filepath.Join(root, LabConfig),
		// window.jupyterapp lets the check read the cells' output models,
		// where an error output is told apart from text on stderr.
		"--LabApp.expose_app_in_browser=True",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root") // CI containers run as root
	}
	lab.cmd = exec.Command(tl.jupyter, args...)
	lab.cmd.Dir = rootDir
	lab.cmd.Env = append(os.Environ(),
		// The token goes in the environment, never on the command line,
		// where every user of the machine could read it.
		"JUPYTER_TOKEN="+token,
		"PATH="+filepath.Join(root, ".venv", "bin")+string(os.PathListSeparator)+filepath.Join(root, ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"JUPYTER_DATA_DIR="+tl.dataDir,
		"JUPYTER_CONFIG_DIR="+configDir,
		"JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "runtime"),
	)
	lab.cmd.Env = append(lab.cmd.Env, env...)
	lab.cmd.Stdout = logFile
	lab.cmd.Stderr = logFile
	lab.cmd.SysProcAttr = labProcAttr()
	if err := lab.cmd.Start(); err != nil {
		t.Fatalf("starting JupyterLab: %v", err)
	}
	go func() {
		lab.err = lab.cmd.Wait()
		close(lab.done)
	}()
	t.Cleanup(func() { lab.shutdown(t) })

	deadline := time.Now().Add(JupyterStartTimeout)
	for {
		if err := lab.api(http.MethodGet, "/api/status"); err == nil {
			return lab
		}
		select {
		case <-lab.done:
			t.Fatalf("JupyterLab exited at start (%v); its log: %s\n%s", lab.err, logPath, tailFile(logPath, 30))
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("JupyterLab did not answer at %s within %v; its log: %s\n%s", lab.URL, JupyterStartTimeout, logPath, tailFile(logPath, 30))
		}
	}
}

// api sends an authenticated request to the server's REST API.
func (lab *jupyterLab) api(method, path string) error {
	_, err := lab.call(method, path)
	return err
}

// call sends an authenticated request to the server's REST API and returns
// the body of a successful answer.
func (lab *jupyterLab) call(method, path string) ([]byte, error) {
	req, err := http.NewRequest(method, lab.URL+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "token "+lab.Token)
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return body, nil
}

// shutdown asks JupyterLab to stop (which also stops its kernels) and waits
// for it. A server that does not stop in time is killed and the test fails.
func (lab *jupyterLab) shutdown(t *testing.T) {
	select {
	case <-lab.done:
		return // already gone; startJupyterLab reported it
	default:
	}
	if err := lab.api(http.MethodPost, "/api/shutdown"); err != nil {
		t.Errorf("asking JupyterLab to shut down: %v", err)
	}
	select {
	case <-lab.done:
		if lab.err != nil {
			t.Errorf("JupyterLab exited with %v after shutdown", lab.err)
		}
	case <-time.After(ShutdownTimeout):
		t.Errorf("JupyterLab did not exit within %v of /api/shutdown; killing it", ShutdownTimeout)
		_ = syscall.Kill(-lab.cmd.Process.Pid, syscall.SIGKILL)
		<-lab.done
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// randomToken returns a fresh secret for JupyterLab's token login.
func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// tailFile returns the last n lines of a file, for failure messages.
func tailFile(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// errTimeout marks a bounded wait that ran out.
var errTimeout = errors.New("timed out")
