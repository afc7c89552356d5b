package classroom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Bounds of the red-team checks.
const (
	// RespawnTimeout covers stopping an attendee's server and starting it
	// again on a busy machine.
	RespawnTimeout = 5 * time.Minute
	// FailedLogins is one more than the hub's allowed_failed_logins.
	FailedLogins = 6
	// DefaultCPUQuota is the CFS quota of one core (CLASSROOM_CPU_LIMIT=1,
	// the default), in microseconds per 100 ms period.
	DefaultCPUQuota = 100000
)

// checkRedTeam makes the attempts of a red team logged in as an attendee:
// symbolic links in their home that root would follow when it prepares
// their next server, their own Jupyter configuration, the host's login
// locked by failed logins, secrets on command lines; and checks the fair
// CPU share and the kernel's environment. Each attempt is shown working
// where it must (as the host, on a plain folder), so that a check cannot
// pass by never trying.
func checkRedTeam(t *testing.T, h *hub, attacker, victim *attendee) {
	if !h.Walled {
		t.Fatalf("these checks need each attendee's own account: run `make test` as root, as CI does")
	}
	ctx, cancel := withTimeout(t, 15*time.Minute)
	defer cancel()
	t.Run("no secret on a command line", func(t *testing.T) { checkCommandLines(t, h) })
	t.Run("links root would follow", func(t *testing.T) { checkLinks(ctx, t, h, attacker, victim) })
	t.Run("the host cannot be locked out", func(t *testing.T) { checkLockout(ctx, t, h) })
	t.Run("a fair CPU share", func(t *testing.T) { checkCPUShare(t, h, attacker, victim) })
	t.Run("the kernel's build flags", func(t *testing.T) { checkKernelFlags(ctx, t, victim) })
}

// checkLinks plants symbolic links in the attacker's home at every path the
// classroom wrote as root when it started a server (the Go build cache and
// its .partial in ~/.cache, ~/.tmp, Go's telemetry setting), each pointing at
// a root-owned decoy, starts their server again, and checks that no decoy
// changed; then that the same paths of an attendee who planted nothing were
// made (the control). With their Jupyter configuration in ~/.jupyter, which
// must not be loaded.
func checkLinks(ctx context.Context, t *testing.T, h *hub, attacker, victim *attendee) {
	decoys, err := os.MkdirTemp("/var/tmp", "classroom-decoys-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(decoys) })
	if err := os.Chmod(decoys, 0o755); err != nil {
		t.Fatal(err)
	}
	dirs := []string{"cache", "tmp"}
	for _, d := range dirs {
		if err := os.Mkdir(filepath.Join(decoys, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	never := filepath.Join(decoys, "made-by-root.html") // a template, say: it must not come to be
	marker := "user-config-loaded"
	plant := strings.Join([]string{
		"cd", "rm -rf .cache .tmp .config/go/telemetry/mode .jupyter",
		fmt.Sprintf("ln -s %s .cache", filepath.Join(decoys, "cache")),
		fmt.Sprintf("ln -s %s .tmp", filepath.Join(decoys, "tmp")),
		"mkdir -p .config/go/telemetry .jupyter",
		fmt.Sprintf("ln -s %s .config/go/telemetry/mode", never),
		fmt.Sprintf("echo 'open(%q, \"w\").close()' >.jupyter/jupyter_server_config.py", marker),
	}, " && ")
	term, err := attacker.openTerminal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if status, out, err := term.run(ctx, plant); err != nil || status != 0 {
		t.Fatalf("planting the links in %s's home: %d %v %s", attacker.Name, status, err, clip(out, 500))
	}
	term.close(ctx)
	account := h.Prefix + attacker.Name
	before := snapshot(t, decoys)

	if err := respawn(ctx, attacker); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, decoys); after != before {
		t.Errorf("starting %s's server again changed root-owned files through the links they planted (decoys before, then what changed):\n%s\n%s",
			attacker.Name, before, clip(changed(before, after), 3000))
	}
	home := filepath.Join(h.Dir, "homes", account)
	if _, err := os.Stat(filepath.Join(home, marker)); err == nil {
		t.Errorf("%s's own ~/.jupyter/jupyter_server_config.py was loaded by their server", attacker.Name)
	}

	// The control: what the start makes, made for an attendee who planted
	// nothing.
	vAccount := h.Prefix + victim.Name
	vuid := accountUID(t, vAccount)
	for _, p := range []string{filepath.Join(h.Dir, "gocache", vAccount), filepath.Join(h.Dir, "tmp", vAccount)} {
		if st, err := os.Lstat(p); err != nil || !st.IsDir() || st.Sys().(*syscall.Stat_t).Uid != uint32(vuid) || st.Mode().Perm() != 0o700 {
			t.Errorf("%s is not %s's own 0700 folder: %v %v", p, victim.Name, st, err)
		}
	}
	mode := filepath.Join(h.Dir, "homes", vAccount, ".config", "go", "telemetry", "mode")
	if raw, err := os.ReadFile(mode); err != nil || strings.TrimSpace(string(raw)) != "off" {
		t.Errorf("%s's Go telemetry setting was not written at their server's start: %q %v", victim.Name, raw, err)
	}
	// ... and a Jupyter configuration in ~/.jupyter is one Jupyter would
	// load, but for the hub's setting.
	term, err = attacker.openTerminal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer term.close(ctx)
	var python struct{ Venv string }
	if raw, err := os.ReadFile(filepath.Join(h.Dir, "state", "python.json")); err == nil {
		_ = json.Unmarshal(raw, &python)
	}
	status, out, err := term.run(ctx, fmt.Sprintf(`env -i HOME="$HOME" %s -c 'from jupyter_core.paths import jupyter_config_path as p; import os, sys; sys.exit(0 if os.path.expanduser("~/.jupyter") in p() else 1)'`,
		filepath.Join(python.Venv, "bin", "python")))
	if err != nil || status != 0 {
		t.Errorf("~/.jupyter is not on Jupyter's configuration path without the hub's setting, so the check above proves nothing: %d %v %s", status, err, clip(out, 300))
	}
	_, _, _ = term.run(ctx, "cd && rm -f .cache .tmp .config/go/telemetry/mode && rm -rf .jupyter")
}

// snapshot describes every file under dir: path, owner, mode, size.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		fmt.Fprintf(&b, "%s uid=%d gid=%d %v %d\n", strings.TrimPrefix(p, dir), st.Uid, st.Gid, info.Mode(), info.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// changed lists the lines of after that before does not have.
func changed(before, after string) string {
	had := map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		had[l] = true
	}
	var out []string
	for _, l := range strings.Split(after, "\n") {
		if !had[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// respawn stops the attendee's server as they can themselves, waits until
// the hub says it stopped, and starts it again.
func respawn(ctx context.Context, a *attendee) error {
	ctx, cancel := context.WithTimeout(ctx, RespawnTimeout)
	defer cancel()
	code, err := a.hubAPI(ctx, http.MethodDelete, "users/"+url.PathEscape(a.Name)+"/server", nil)
	if err != nil || (code != http.StatusAccepted && code != http.StatusNoContent) {
		return fmt.Errorf("%s stops their server: %d %v", a.Name, code, err)
	}
	if err := waitFor(ctx, RespawnTimeout, func() error {
		var u hubUser
		if _, err := a.hubAPI(ctx, http.MethodGet, "users/"+url.PathEscape(a.Name), &u); err != nil {
			return err
		}
		if len(u.Servers) > 0 {
			return fmt.Errorf("%s's server still runs: %v", a.Name, u.Servers)
		}
		return nil
	}); err != nil {
		return err
	}
	if _, err := a.spawn(ctx); err != nil {
		return fmt.Errorf("starting %s's server again: %w", a.Name, err)
	}
	return nil
}

// checkLockout fails the host's login on purpose, past the hub's lock, as a
// stranger would, then logs in as the host. The control: the same on an
// attendee's name locks it.
func checkLockout(ctx context.Context, t *testing.T, h *hub) {
	// Signed up, never logged in (a login would start a server).
	lockable := newAttendee(h, "lockable")
	if msg, err := lockable.signUp(ctx, h.Code); err != nil || !strings.Contains(msg, "successful") {
		t.Fatalf("signing up %q: %q %v", lockable.Name, msg, err)
	}
	for _, name := range []string{h.Admin, lockable.Name} {
		stranger := newAttendee(h, name)
		for range FailedLogins {
			if err := stranger.login(ctx, "wrong-"+newID()[:8]); err == nil {
				t.Fatalf("a wrong password for %q was taken", name)
			}
		}
	}
	host := newAttendee(h, h.Admin)
	if err := host.login(ctx, h.AdminPassword); err != nil {
		t.Errorf("after a stranger failed the host's login %d times, the host cannot log in: %v", FailedLogins, err)
	}
	if err := newAttendee(h, lockable.Name).login(ctx, lockable.Password); err == nil {
		t.Errorf("after %d failed logins as %q, its own password still works at once: the lock the host is spared was never there", FailedLogins, lockable.Name)
	}
}

// checkCommandLines reads the class's secrets (the cookie secret, the
// host's password, the workshop code, the proxy's token and every service's
// and server's API token from their environment) and looks for each on
// every process's command line. The control: a process started with one
// on its command line is found.
func checkCommandLines(t *testing.T, h *hub) {
	state := filepath.Join(h.Dir, "state")
	secrets := map[string]string{}
	for _, f := range []string{"cookie_secret", "admin-password", "workshop-code"} {
		raw, err := os.ReadFile(filepath.Join(state, f))
		if err != nil {
			t.Fatal(err)
		}
		secrets[f] = strings.TrimSpace(string(raw))
	}
	// The tokens in the environment of the class's processes: the hub's
	// children (proxy, services) and whatever names the class's folder.
	raw, err := os.ReadFile(filepath.Join(state, "jupyterhub.pid"))
	if err != nil {
		t.Fatal(err)
	}
	hubPID := strings.TrimSpace(string(raw))
	tokenVar := regexp.MustCompile(`^(CONFIGPROXY_AUTH_TOKEN|JUPYTERHUB_API_TOKEN|JPY_API_TOKEN)=(.{8,})$`)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		st, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		f := strings.Fields(string(st[max(0, strings.LastIndexByte(string(st), ')')+1):]))
		if err != nil || !(strings.Contains(string(env), h.Dir) || len(f) > 1 && f[1] == hubPID) {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if m := tokenVar.FindStringSubmatch(kv); m != nil {
				secrets[fmt.Sprintf("%s of pid %s", m[1], e.Name())] = m[2]
			}
		}
	}
	if len(secrets) < 4 {
		t.Fatalf("found only %d secrets to look for: %v", len(secrets), secrets)
	}
	found := func() []string {
		var hits []string
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			for what, s := range secrets {
				if strings.Contains(string(cmd), s) {
					hits = append(hits, fmt.Sprintf("%s in pid %s's command line", what, e.Name()))
				}
			}
		}
		return hits
	}
	if hits := found(); len(hits) > 0 {
		t.Errorf("secrets on command lines, which every user of the machine can read: %v", hits)
	}
	// The control.
	probe := secrets["workshop-code"]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", "sleep 20", probe)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if hits := found(); len(hits) != 1 {
		t.Errorf("a process with the workshop code on its command line: found %v, want it alone", hits)
	}
	t.Logf("%d secrets looked for on every command line", len(secrets))
}

// checkCPUShare checks the attendees' CPU cgroups (cgroup v1 on this
// machine): the same weight each, and a cap of one core.
func checkCPUShare(t *testing.T, h *hub, attendees ...*attendee) {
	base := ""
	if matches, _ := filepath.Glob("/sys/fs/cgroup/cpu/workshop-classroom-*"); len(matches) > 0 {
		base = "/sys/fs/cgroup/cpu"
	}
	if base == "" {
		t.Skip("no cgroup v1 CPU hierarchy with the class's groups on this machine")
	}
	shares := map[string]bool{}
	for _, a := range attendees {
		uid := accountUID(t, h.Prefix+a.Name)
		pid := findProcess(uid, "jupyterhub-singleuser")
		raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
		m := regexp.MustCompile(`(?m)^\d+:[^:]*\bcpu\b[^:]*:(/\S+)$`).FindSubmatch(raw)
		if m == nil {
			t.Errorf("%s's server (pid %d) is in no CPU cgroup: %s", a.Name, pid, raw)
			continue
		}
		dir := filepath.Join(base, string(m[1]))
		read := func(f string) string {
			b, _ := os.ReadFile(filepath.Join(dir, f))
			return strings.TrimSpace(string(b))
		}
		if q := read("cpu.cfs_quota_us"); q != strconv.Itoa(DefaultCPUQuota) {
			t.Errorf("%s's CPU quota is %q, want one core (%d)", a.Name, q, DefaultCPUQuota)
		}
		shares[read("cpu.shares")] = true
	}
	if len(shares) != 1 {
		t.Errorf("attendees weigh differently in the scheduler: shares %v", shares)
	}
}

// checkKernelFlags runs a cell that prints the Go flags its program was
// built with: the kernel's own (scripts/gonb_kernel.py), not only the
// classroom's.
func checkKernelFlags(ctx context.Context, t *testing.T, a *attendee) {
	k, err := a.openNotebook(ctx, FirstNotebook)
	if err != nil {
		t.Fatal(err)
	}
	defer k.close(context.Background())
	r, err := k.execute(ctx, "%%\nfmt.Println(\"GOFLAGS=\" + os.Getenv(\"GOFLAGS\"))")
	if err != nil {
		t.Fatal(err)
	}
	if text := outputsText(r); !strings.Contains(text, "-ldflags=-s") || !strings.Contains(text, "-mod=mod") {
		t.Errorf("a cell's GOFLAGS lack the kernel's -mod=mod -ldflags=-s: %q", text)
	}
	raw, err := os.ReadFile(filepath.Join(a.hub.Dir, "share", "jupyter", "kernels", "gonb", "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct{ Env map[string]string }
	if err := json.Unmarshal(raw, &spec); err != nil || spec.Env["WORKSHOP_GOPLS"] == "" {
		t.Errorf("the attendees' kernel spec has no WORKSHOP_GOPLS: %v %s", err, raw)
	}
}
