// Package classroom tests the one-machine classroom (`make classroom`) the
// way a class uses it: a real JupyterHub on loopback, started by
// scripts/classroom.sh, with attendees who log in through the hub at the
// same time, have their servers spawned, and run notebook 01 top to bottom
// through the hub's proxy over the Jupyter kernel WebSocket protocol (the
// path a browser takes). Each attendee's lesson must hold on their own mock
// server; one attendee also runs a cell in headless Chromium; when the hub
// stops, no attendee process may be left.
//
// The mock servers run at the notebook checks' latency scale
// (VIDEO_SERVER_LATENCY_SCALE, nbrun.Check), which keeps the lesson's ratios
// and cuts its waits fivefold. BenchmarkClassroom measures the classroom's capacity
// on this machine (make bench).
//
// Skipped with -short. Otherwise it needs `make setup` (JupyterHub and
// configurable-http-proxy in the repository, the GoNB kernel) and fails
// saying what is missing.
//
//	go test ./deploy/classroom -v                      # 3 attendees
//	go test ./deploy/classroom -v -args -attendees=6   # more
package classroom

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bounds of the hub's start and stop.
const (
	// HubStartTimeout covers the first class on a machine, which fills the
	// machine's cache of what attendees run (a copy of the venv, the Go
	// build cache of every package the cells import: 3.5 minutes on a busy
	// 2-core machine); later classes answer within seconds.
	HubStartTimeout = 15 * time.Minute
	// HubStopTimeout covers stopping every attendee's server, kernels and
	// mock server.
	HubStopTimeout = 90 * time.Second
	// LeftoverGrace is how long processes may take to exit after the hub.
	LeftoverGrace = 20 * time.Second
	// HubRequestTimeout bounds one request to the hub: it answers in
	// milliseconds when idle, in seconds while it spawns a class on a busy
	// machine.
	HubRequestTimeout = time.Minute
	setupHint         = "run `make setup` in the repository root (it installs JupyterHub, configurable-http-proxy and the GoNB kernel into the repository)"
)

// hub is a classroom hub started by scripts/classroom.sh.
type hub struct {
	URL  string // http://127.0.0.1:PORT (https:// over TLS)
	Code string // the workshop code attendees sign up with
	// Admin and AdminPassword are the host's login.
	Admin, AdminPassword string
	Dir                  string // CLASSROOM_DIR: state, share and homes
	// Prefix starts the names of the class's accounts (walls on or off).
	Prefix string
	// Walled: every attendee runs as an account of their own (as root).
	Walled bool
	// Fingerprint is the SHA-256 fingerprint the script printed for its
	// TLS certificate ("" without TLS).
	Fingerprint string
	// HTTP is the client attendees use: over TLS it trusts only the
	// certificate whose fingerprint the script printed.
	HTTP    *http.Client
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	stopped bool
}

// repoRoot returns the repository root: go test runs in deploy/classroom.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// checkInstalled fails with the fix when something the classroom needs is
// missing.
func checkInstalled(t testing.TB, root string) {
	t.Helper()
	for _, p := range []string{
		".venv/bin/jupyterhub",
		".venv/bin/jupyterhub-singleuser",
		"deploy/classroom/node_modules/.bin/configurable-http-proxy",
		".bin/gonb",
		".jupyter/kernels/gonb/kernel.json",
	} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Fatalf("%s is missing: %s", p, setupHint)
		}
	}
}

// startHub starts the classroom as `make classroom` does, on a free port,
// with a fresh state folder and the extra environment given. It waits until
// the hub answers. The caller stops it with stop; a cleanup kills what is
// left if the test ends first.
func startHub(t testing.TB, env ...string) *hub {
	t.Helper()
	root := repoRoot(t)
	checkInstalled(t, root)
	// As root, beside the machine's cache of what attendees run (a Go build
	// cache is given to each attendee as hard links, which need one file
	// system); otherwise anywhere.
	base := ""
	if os.Geteuid() == 0 {
		base = "/var/tmp"
	}
	dir, err := os.MkdirTemp(base, "classroom-")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	prefix := "wt" + newID()[:5] + "-"
	h := &hub{
		URL:     "http://127.0.0.1:" + strconv.Itoa(port),
		Dir:     dir,
		Prefix:  prefix,
		Walled:  os.Geteuid() == 0 && !slices.Contains(env, "CLASSROOM_WALLS=off"),
		Admin:   "host",
		HTTP:    &http.Client{Timeout: HubRequestTimeout},
		logPath: filepath.Join(artifacts(t), "hub-"+strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())+".log"),
		done:    make(chan struct{}),
	}
	logFile, err := os.Create(h.logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })

	restoreHangup()
	h.cmd = exec.Command(filepath.Join(root, "scripts", "classroom.sh"))
	h.cmd.Dir = root
	h.cmd.Env = append(os.Environ(),
		"CLASSROOM_PORT="+strconv.Itoa(port),
		"CLASSROOM_DIR="+dir,
		"CLASSROOM_ACCOUNT_PREFIX="+prefix,
		"CLASSROOM_MAX_SERVERS="+strconv.Itoa(*flagAttendees), // the cap the door test meets; callers may pass another
	)
	h.cmd.Env = append(h.cmd.Env, env...)
	h.cmd.Stdout, h.cmd.Stderr = logFile, logFile
	// Its own process group, as a terminal gives it: stop sends the group
	// the Ctrl+C a host would press.
	h.cmd.SysProcAttr = hubProcAttr()
	if err := h.cmd.Start(); err != nil {
		t.Fatalf("starting scripts/classroom.sh: %v", err)
	}
	go func() { _ = h.cmd.Wait(); close(h.done) }()
	t.Cleanup(func() {
		if !h.stopped {
			h.stop(t, syscall.SIGINT)
		}
		// Whatever is still running after a failed stop is killed, so that
		// no test leaves processes behind; then the class is reset.
		for _, p := range leftovers(h) {
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
		}
		h.reset(t)
		os.RemoveAll(dir)
	})

	deadline := time.Now().Add(HubStartTimeout)
	for {
		if h.Fingerprint == "" && strings.Contains(tailFile(h.logPath, 200), "    Open https://") {
			h.trustPrinted(t)
		}
		if resp, err := h.HTTP.Get(h.URL + "/hub/api"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				h.readSecrets(t)
				return h
			}
		}
		select {
		case <-h.done:
			t.Fatalf("the classroom hub exited at start; its log: %s\n%s", h.logPath, tailFile(h.logPath, 30))
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the classroom hub did not answer at %s within %v; its log: %s\n%s", h.URL, HubStartTimeout, h.logPath, tailFile(h.logPath, 30))
		}
	}
}

// readSecrets reads the workshop code and the host's password from the
// class's state (the test is the host).
func (h *hub) readSecrets(t testing.TB) {
	t.Helper()
	for _, f := range []struct {
		name string
		to   *string
	}{{"workshop-code", &h.Code}, {"admin-password", &h.AdminPassword}} {
		raw, err := os.ReadFile(filepath.Join(h.Dir, "state", f.name))
		if err != nil {
			t.Fatalf("reading the class's %s: %v", f.name, err)
		}
		*f.to = strings.TrimSpace(string(raw))
	}
}

// reset runs `make classroom-reset` for the class: its accounts, homes and
// state go.
func (h *hub) reset(t testing.TB) {
	t.Helper()
	cmd := exec.Command(filepath.Join(repoRoot(t), "scripts", "classroom-reset.sh"))
	cmd.Env = append(os.Environ(), "CLASSROOM_DIR="+h.Dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("make classroom-reset: %v\n%s", err, out)
	}
}

// stop ends the class with sig (SIGINT: the Ctrl+C a host presses; SIGHUP:
// a closed terminal) sent to its process group. It waits for the hub to exit
// and then for every process of the classroom to be gone, failing the test
// for each one left.
func (h *hub) stop(t testing.TB, sig syscall.Signal) {
	t.Helper()
	h.stopped = true
	_ = syscall.Kill(-h.cmd.Process.Pid, sig)
	select {
	case <-h.done:
	case <-time.After(HubStopTimeout):
		t.Errorf("the classroom hub did not stop within %v of %v; its log: %s", HubStopTimeout, sig, h.logPath)
		_ = syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
		<-h.done
	}
	if code := h.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("make classroom ended with exit status %d after %v, want 0; its log: %s", code, sig, h.logPath)
	}
	deadline := time.Now().Add(LeftoverGrace)
	for {
		left := leftovers(h)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range left {
				t.Errorf("process %d (%s) of the classroom still runs %v after the hub stopped", p.PID, p.Cmd, LeftoverGrace)
			}
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// proc is a running process.
type proc struct {
	PID int
	Cmd string
}

// leftovers lists the processes of the classroom h: every attendee's
// server, kernel, compiled cell and mock server carries
// WORKSHOP_CLASSROOM_DIR=dir in its environment (set by the spawner), and
// every process of the class's accounts counts, whatever its environment.
func leftovers(h *hub) []proc {
	marker := []byte("\x00WORKSHOP_CLASSROOM_DIR=" + h.Dir + "\x00")
	uids := classUIDs(h)
	entries, _ := os.ReadDir("/proc")
	var found []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if (err != nil || !bytes.Contains(append([]byte{0}, env...), marker)) && !uids[processUID(pid)] {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			// A zombie has exited; its parent has not collected it yet.
			if f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:])); len(f) > 0 && f[0] == "Z" {
				continue
			}
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		found = append(found, proc{pid, strings.TrimSpace(string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))})
	}
	return found
}

// classUIDs returns the user ids of the class's accounts (/etc/passwd
// entries whose names start with its prefix).
func classUIDs(h *hub) map[int]bool {
	uids := map[int]bool{}
	raw, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return uids
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 2 && h.Prefix != "" && strings.HasPrefix(f[0], h.Prefix) {
			if uid, err := strconv.Atoi(f[2]); err == nil {
				uids[uid] = true
			}
		}
	}
	return uids
}

// processUID returns the real user id of a process, or -1.
func processUID(pid int) int {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" {
			uid, _ := strconv.Atoi(f[1])
			return uid
		}
	}
	return -1
}

// artifacts returns the folder kept for inspection: the hub's log and the
// browser's screenshot.
func artifacts(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "artifacts", "classroom")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
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

// withTimeout is a context bounded by d and by the test's deadline.
func withTimeout(t testing.TB, d time.Duration) (context.Context, context.CancelFunc) {
	ctx := context.Background()
	if tt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := tt.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, dl.Add(-30*time.Second))
			c2, cancel2 := context.WithTimeout(ctx, d)
			return c2, func() { cancel2(); cancel() }
		}
	}
	return context.WithTimeout(ctx, d)
}

// restoreHangup makes the classroom the tests start get SIGHUP as a
// terminal's program does: when the tests themselves run with SIGHUP
// ignored (under nohup, say), every child inherits that, a shell cannot
// trap a signal ignored at its start, and the hangup tests would send a
// signal nobody can receive. Catching it here makes a started child's
// SIGHUP the default again (a caught signal is reset by exec); the
// tests' own process then receives it into a channel nobody reads.
func restoreHangup() {
	if signal.Ignored(syscall.SIGHUP) {
		signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	}
}
