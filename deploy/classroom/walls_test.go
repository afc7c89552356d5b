package classroom

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// attack is something an attendee must not be able to do to another
// attendee, the host or the class. The same attempt is made from the
// attacker's Go cell (GoBody, the body of a func() error: nil means it
// worked), from their JupyterLab terminal (Shell: exit status 0 means it
// worked) and by the host (Shell, as root), where it must work, so that the
// test can tell a wall from an attempt that could never have worked.
type attack struct {
	Name   string
	Shell  string
	GoBody string
}

// readAttack reads a file.
func readAttack(name, path string) attack {
	return attack{name, fmt.Sprintf("cat %q >/dev/null", path),
		fmt.Sprintf("_, err := os.ReadFile(%q); return err", path)}
}

// listAttack lists a folder.
func listAttack(name, path string) attack {
	return attack{name, fmt.Sprintf("ls -a %q >/dev/null", path),
		fmt.Sprintf("_, err := os.ReadDir(%q); return err", path)}
}

// writeAttack opens a file for writing, as a first step to changing it
// (nothing is written: the host's attempt must not change it either).
func writeAttack(name, path string) attack {
	return attack{name, fmt.Sprintf("[ -f %q ] && : >>%q", path, path),
		fmt.Sprintf("f, err := os.OpenFile(%q, os.O_WRONLY|os.O_APPEND, 0); if err == nil { f.Close() }; return err", path)}
}

// createAttack creates a file in a folder (and removes it again).
func createAttack(name, dir string) attack {
	p := filepath.Join(dir, "attack-"+newID()[:8])
	return attack{name, fmt.Sprintf(": >%q && rm -f %q", p, p),
		fmt.Sprintf("f, err := os.Create(%q); if err == nil { f.Close(); os.Remove(%q) }; return err", p, p)}
}

// BigFile is the size of the file bigFileAttack writes: past the classroom's
// default limit on an attendee's files (CLASSROOM_FILE_LIMIT, 1 GiB).
const BigFile = 2 << 30

// bigFileAttack makes a file of size bytes in the temporary folder, sparse
// (it takes no room on the disk), and removes it.
func bigFileAttack(name string, size int64) attack {
	return attack{name, fmt.Sprintf(`f="$(mktemp)" && { truncate -s %d "$f"; s=$?; rm -f "$f"; exit $s; }`, size),
		fmt.Sprintf(`f, err := os.CreateTemp("", "big"); if err != nil { return err }
	defer os.Remove(f.Name())
	defer f.Close()
	return f.Truncate(%d)`, size)}
}

// killAttack sends SIGKILL to a process.
func killAttack(name string, pid int) attack {
	return attack{name, fmt.Sprintf("kill -KILL %d", pid), fmt.Sprintf("return syscall.Kill(%d, syscall.SIGKILL)", pid)}
}

// attachAttack attaches to a process as a debugger does, to change what it
// does (e.g. close its listening socket): from a terminal with gdb, from a
// cell by opening its /proc/PID/mem, which Linux allows only to whoever may
// attach (ptrace).
func attachAttack(name string, pid int) attack {
	return attack{name, fmt.Sprintf("gdb -nx -q -batch -p %d -ex detach >/dev/null 2>&1", pid),
		fmt.Sprintf("f, err := os.Open(\"/proc/%d/mem\"); if err == nil { f.Close() }; return err", pid)}
}

// socketAttack sends a request to a mock server on a Unix socket.
func socketAttack(name, sock, method, path string) attack {
	return attack{name,
		fmt.Sprintf("curl -fsS -o /dev/null -X %s --unix-socket %q http://server%s", method, sock, path),
		fmt.Sprintf(`c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return net.Dial("unix", %q) }}}
	req, _ := http.NewRequest(%q, "http://server%s", nil)
	resp, err := c.Do(req)
	if err != nil { return err }
	resp.Body.Close()
	if resp.StatusCode/100 != 2 { return fmt.Errorf("%%s", resp.Status) }
	return nil`, sock, method, path)}
}

// routeAttack adds a route to the hub's proxy through its API, with the
// token read from the proxy's environment, then removes it.
func routeAttack(name string, proxyPID, apiPort int) attack {
	route := "/attack-" + newID()[:8]
	api := fmt.Sprintf("http://127.0.0.1:%d/api/routes%s", apiPort, route)
	return attack{name,
		fmt.Sprintf(`t="$(tr '\0' '\n' </proc/%d/environ | sed -n 's/^CONFIGPROXY_AUTH_TOKEN=//p')" && curl -fsS -o /dev/null -H "Authorization: token $t" -X POST -d '{"target":"http://127.0.0.1:1"}' %s && curl -fsS -o /dev/null -H "Authorization: token $t" -X DELETE %s`, proxyPID, api, api),
		fmt.Sprintf(`env, err := os.ReadFile("/proc/%d/environ")
	token := ""
	for _, kv := range strings.Split(string(env), "\x00") {
		if v, ok := strings.CutPrefix(kv, "CONFIGPROXY_AUTH_TOKEN="); ok { token = v }
	}
	req, _ := http.NewRequest("POST", %q, strings.NewReader(`+"`"+`{"target":"http://127.0.0.1:1"}`+"`"+`))
	req.Header.Set("Authorization", "token "+token)
	resp, err2 := http.DefaultClient.Do(req)
	if err2 != nil { return err2 }
	resp.Body.Close()
	if resp.StatusCode/100 != 2 { return fmt.Errorf("%%s (token read: %%v)", resp.Status, err) }
	return nil`, proxyPID, api)}
}

// findProcess returns the pid of a process of uid (-1: any) whose command
// line contains word, or 0.
func findProcess(uid int, word string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || (uid >= 0 && processUID(pid) != uid) {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(cmd), word) {
			return pid
		}
	}
	return 0
}

// accountUID returns the uid of a system account.
func accountUID(t *testing.T, name string) int {
	t.Helper()
	out, err := exec.Command("id", "-u", name).Output()
	if err != nil {
		t.Fatalf("no account %s: %v", name, err)
	}
	uid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return uid
}

// classAttacks are the attacks of issue 16 on the class h, by attacker on
// victim.
func classAttacks(t *testing.T, h *hub, attacker, victim string) []attack {
	t.Helper()
	hostHome, _ := os.UserHomeDir()
	planted := filepath.Join(hostHome, ".classroom-attack-"+newID()[:8])
	if err := os.WriteFile(planted, []byte("the host's secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(planted) })
	// A file of the host's in the machine's /tmp, readable by every user
	// (as many programs leave them).
	plantedTmp := filepath.Join("/tmp", "classroom-attack-"+newID()[:8])
	if err := os.WriteFile(plantedTmp, []byte("the host's temporary file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(plantedTmp) })
	plantedShm := filepath.Join("/dev/shm", "classroom-attack-"+newID()[:8])
	if err := os.WriteFile(plantedShm, []byte("the host's shared memory\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(plantedShm) })
	state := filepath.Join(h.Dir, "state")
	victimHome := filepath.Join(h.Dir, "homes", h.Prefix+victim)
	victimUID := accountUID(t, h.Prefix+victim)
	victimServer := findProcess(victimUID, "jupyterhub-singleuser")
	victimMock := findProcess(victimUID, "workshop-server")
	ownServer := findProcess(accountUID(t, h.Prefix+attacker), "jupyterhub-singleuser")
	victimCgroups, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", "workshop-classroom-*", h.Prefix+victim, "cgroup.procs"))
	v2, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "workshop-classroom-*", h.Prefix+victim, "cgroup.procs"))
	victimCgroups = append(victimCgroups, v2...)
	if ownServer == 0 || len(victimCgroups) == 0 {
		t.Fatalf("cannot find the attacker's own Jupyter server (%d) or the victim's cgroup folders (%q)", ownServer, victimCgroups)
	}
	raw, err := os.ReadFile(filepath.Join(state, "proxy.pid"))
	if err != nil {
		t.Fatal(err)
	}
	proxyPID, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(proxyPID), "cmdline"))
	m := regexp.MustCompile(`--api-port\x00(\d+)`).FindSubmatch(cmdline)
	if victimServer == 0 || victimMock == 0 || m == nil {
		t.Fatalf("cannot find the victim's Jupyter server (%d), mock server (%d) or the proxy's API port (%q)", victimServer, victimMock, cmdline)
	}
	apiPort, _ := strconv.Atoi(string(m[1]))
	raw, err = os.ReadFile(filepath.Join(state, "jupyterhub.pid"))
	if err != nil {
		t.Fatal(err)
	}
	hubPID, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	cache := "/var/cache/workshop-classroom"
	var seedFile string
	_ = filepath.WalkDir(filepath.Join(cache, "go", "cache"), func(p string, d os.DirEntry, err error) error {
		if err == nil && seedFile == "" && !d.IsDir() && strings.HasSuffix(p, "-d") {
			seedFile = p
		}
		return nil
	})
	var modFile string
	_ = filepath.WalkDir(filepath.Join(cache, "go", "mod", "golang.org"), func(p string, d os.DirEntry, err error) error {
		if err == nil && modFile == "" && strings.HasSuffix(p, ".go") {
			modFile = p
		}
		return nil
	})
	var python struct{ Venv string }
	if raw, err := os.ReadFile(filepath.Join(state, "python.json")); err == nil {
		_ = json.Unmarshal(raw, &python)
	}
	mods, _ := filepath.Glob(filepath.Join(python.Venv, "lib", "python3*", "site-packages", "jupyter_server", "__init__.py"))
	venvModule := ""
	if len(mods) > 0 {
		venvModule = mods[0]
	}
	if seedFile == "" || modFile == "" || venvModule == "" {
		t.Fatalf("cannot find the shared Go caches' files (%q, %q) or the attendees' venv's jupyter_server (%q)", seedFile, modFile, python.Venv)
	}
	return []attack{
		listAttack("list the host's home", hostHome),
		readAttack("read a file in the host's home", planted),
		listAttack("list another attendee's home", victimHome),
		readAttack("read another attendee's notebook", filepath.Join(victimHome, FirstNotebook)),
		readAttack("read the cookie secret", filepath.Join(state, "cookie_secret")),
		readAttack("read the hub's database", filepath.Join(state, "jupyterhub.sqlite")),
		readAttack("read the host's password", filepath.Join(state, "admin-password")),
		readAttack("read the proxy's token from /proc/PID/environ", fmt.Sprintf("/proc/%d/environ", proxyPID)),
		readAttack("read another attendee's hub token from /proc/PID/environ", fmt.Sprintf("/proc/%d/environ", victimServer)),
		routeAttack("rewrite the proxy's routes", proxyPID, apiPort),
		writeAttack("change goimports, which every cell runs", filepath.Join(h.Dir, "share", "bin", "goimports")),
		// Replacing a program (the mock server, the kernel) takes a new
		// file in its folder.
		createAttack("put a program beside .bin/workshop-server and gonb", filepath.Join(h.Dir, "share", "bin")),
		writeAttack("change .venv/bin/jupyter-lab", filepath.Join(python.Venv, "bin", "jupyter-lab")),
		writeAttack("change a Python module of the venv", venvModule),
		writeAttack("change an entry of the shared Go build cache", seedFile),
		createAttack("add an entry to the shared Go build cache", filepath.Dir(seedFile)),
		writeAttack("change a module in the shared Go module cache", modFile),
		writeAttack("change the host's repository", filepath.Join(repoRoot(t), "go.mod")),
		socketAttack("reset another attendee's mock server", filepath.Join(victimHome, ".video-server.sock"), "POST", "/stats/reset"),
		socketAttack("send requests to (flood) another attendee's mock server", filepath.Join(victimHome, ".video-server.sock"), "GET", "/videos?n=1"),
		readAttack("read a world-readable file in the machine's /tmp", plantedTmp),
		readAttack("read a world-readable file in the machine's /dev/shm", plantedShm),
		readAttack("read another attendee's command line in /proc", fmt.Sprintf("/proc/%d/cmdline", victimServer)),
		readAttack("read the hub's command line in /proc", fmt.Sprintf("/proc/%d/cmdline", hubPID)),
		bigFileAttack("write a file larger than the limit (a full disk)", BigFile),
		readAttack("read another attendee's processes in their cgroup", victimCgroups[0]),
		attachAttack("attach to one's own Jupyter server (gdb; open its /proc/PID/mem)", ownServer),
		listAttack("list one's own Jupyter server's open files", fmt.Sprintf("/proc/%d/fd", ownServer)),
		killAttack("kill another attendee's mock server", victimMock),
	}
}

// attackCell is a Go cell that makes every attempt and prints one line per
// attack: "ATTACK <i> WORKED" or "ATTACK <i> FAILED: <error>".
func attackCell(attacks []attack) string {
	var b strings.Builder
	b.WriteString("%%\nattempts := []func() error{\n")
	for _, a := range attacks {
		fmt.Fprintf(&b, "\tfunc() error {\n\t%s\n\t},\n", a.GoBody)
	}
	b.WriteString("}\nfor i, f := range attempts {\n\tif err := f(); err != nil {\n\t\tfmt.Printf(\"ATTACK %d FAILED: %v\\n\", i, err)\n\t} else {\n\t\tfmt.Printf(\"ATTACK %d WORKED\\n\", i)\n\t}\n}\n")
	return b.String()
}

var attackLine = regexp.MustCompile(`ATTACK (\d+) (WORKED|FAILED)(: [^\n]*)?`)

// parseAttacks reads which attacks worked from output: index -> worked,
// and what the failure said.
func parseAttacks(output string) (map[int]bool, map[int]string) {
	worked, why := map[int]bool{}, map[int]string{}
	for _, m := range attackLine.FindAllStringSubmatch(output, -1) {
		i, _ := strconv.Atoi(m[1])
		worked[i] = m[2] == "WORKED"
		why[i] = strings.TrimPrefix(m[3], ": ")
	}
	return worked, why
}

// hostAttempt runs an attack's shell command as the host (root).
func hostAttempt(a attack) error {
	cmd := exec.Command("bash", "-c", a.Shell)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// checkWalls attacks the class from attacker's Go cell and terminal, then
// as the host. Every attack must fail as the attendee and work as the host.
func checkWalls(t *testing.T, h *hub, attacker *attendee, victim string) {
	if !h.Walled {
		t.Fatalf("the walls are only up when the classroom runs as root: run `make test` as root, as CI does (as %s the classroom is a trial where attendees are not walled off)", os.Getenv("USER"))
	}
	attacks := classAttacks(t, h, attacker.Name, victim)
	ctx, cancel := withTimeout(t, 10*time.Minute)
	defer cancel()

	// From a Go cell.
	k, err := attacker.openNotebook(ctx, FirstNotebook)
	if err != nil {
		t.Fatal(err)
	}
	run, err := k.execute(ctx, attackCell(attacks))
	_ = k.close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cellText := outputsText(run)
	cellWorked, cellWhy := parseAttacks(cellText)

	// From a terminal.
	term, err := attacker.openTerminal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	termWorked := map[int]bool{}
	for i, a := range attacks {
		status, _, err := term.run(ctx, a.Shell)
		if err != nil {
			t.Fatalf("terminal: %v", err)
		}
		termWorked[i] = status == 0
	}

	// As the host, last (the host's kill of the victim's mock server is
	// the one attempt that changes something: the mock server restarts).
	for i, a := range attacks {
		cell, ok := cellWorked[i]
		switch {
		case !ok:
			t.Errorf("%s: the Go cell printed no result for it; the cell's output:\n%s", a.Name, clip(cellText, 3000))
		case cell:
			t.Errorf("%s: WORKED from %s's Go cell", a.Name, attacker.Name)
		}
		if termWorked[i] {
			t.Errorf("%s: WORKED from %s's terminal (%s)", a.Name, attacker.Name, a.Shell)
		}
		hostErr := hostAttempt(a)
		if hostErr != nil {
			t.Errorf("%s: the host's attempt failed too (%v), so the test cannot tell a wall from an attempt that never works", a.Name, hostErr)
		}
		t.Logf("%-58s | attendee's cell: %-8s | attendee's terminal: %-8s | host: %s", a.Name, outcome(cellWorked[i], ok), outcome(termWorked[i], true), outcome(hostErr == nil, true))
		if !cell && ok {
			t.Logf("    (the cell's error: %s)", clip(cellWhy[i], 150))
		}
	}
	term.close(ctx)
}

func outcome(worked, known bool) string {
	switch {
	case !known:
		return "?"
	case worked:
		return "WORKED"
	default:
		return "refused"
	}
}
