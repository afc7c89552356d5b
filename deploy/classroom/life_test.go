package classroom

import (
	"context"
	"fmt"
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

// Bounds of the class's life checks.
const (
	// RestartWithin bounds how long a dead mock server stays dead: a second
	// or two on a quiet machine; the bound is for a busy one.
	RestartWithin = 2 * time.Minute
	// HelpersGoneWithin bounds how long a killed kernel's helpers live on
	// (seconds on a quiet machine).
	HelpersGoneWithin = time.Minute
)

// socketHealthy asks a mock server on a Unix socket for /healthz, as root.
func socketHealthy(sock string) error {
	c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	resp, err := c.Get("http://server/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz: %s", resp.Status)
	}
	return nil
}

// checkLife checks the class's life on one machine: a mock server that died
// comes back; a kernel killed outright takes its helpers with it; an
// attendee who kills all their own processes (kill -9 -1) ends their own
// server and nobody else's.
func checkLife(t *testing.T, h *hub, attacker, victim *attendee, others []*attendee) {
	if !h.Walled {
		t.Fatalf("these checks need each attendee's own account: run `make test` as root, as CI does")
	}
	ctx, cancel := withTimeout(t, 10*time.Minute)
	defer cancel()
	victimUID := accountUID(t, h.Prefix+victim.Name)
	sock := filepath.Join(h.Dir, "homes", h.Prefix+victim.Name, ".video-server.sock")

	t.Run("a dead mock server comes back", func(t *testing.T) {
		// The host's attack in checkWalls killed it; whether or not, it is
		// killed again here and must answer again.
		if pid := findProcess(victimUID, "workshop-server"); pid != 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if err := waitFor(ctx, RestartWithin, func() error { return socketHealthy(sock) }); err != nil {
			t.Fatalf("%s's mock server did not answer again within %v of being killed: %v", victim.Name, RestartWithin, err)
		}
		k, err := victim.openNotebook(ctx, FirstNotebook)
		if err != nil {
			t.Fatal(err)
		}
		defer k.close(context.Background())
		if _, err := k.execute(ctx, "!*go mod edit -replace github.com/go-async-workshop/workshop=${GONB_DIR}/.. -require github.com/go-async-workshop/workshop@v0.0.0"); err != nil {
			t.Fatal(err)
		}
		r, err := k.execute(ctx, "%%\nfmt.Println(\"health:\", videoapi.New(\"\").Healthy(context.Background()))")
		if err != nil {
			t.Fatal(err)
		}
		if text := outputsText(r); !strings.Contains(text, "health: <nil>") {
			t.Errorf("%s's kernel does not reach their restarted mock server: %q", victim.Name, text)
		}
	})

	t.Run("a kernel killed outright takes its helpers", func(t *testing.T) {
		k, err := victim.openNotebook(ctx, FirstNotebook)
		if err != nil {
			t.Fatal(err)
		}
		defer k.close(context.Background())
		// GoNB starts gopls with the kernel; wait for it.
		var gonb, gopls int
		if err := waitFor(ctx, 60*time.Second, func() error {
			gonb, gopls = kernelProcesses(victimUID)
			if gonb == 0 || gopls == 0 {
				return fmt.Errorf("gonb %d, gopls %d", gonb, gopls)
			}
			return nil
		}); err != nil {
			t.Fatalf("the kernel and its gopls are not both running: %v", err)
		}
		// The out-of-memory killer's way: SIGKILL to the kernel alone.
		if err := syscall.Kill(gonb, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if err := waitFor(ctx, HelpersGoneWithin, func() error {
			if alive(gopls) {
				return fmt.Errorf("gopls (pid %d) of the killed kernel %d still runs", gopls, gonb)
			}
			return nil
		}); err != nil {
			t.Errorf("%v after %v", err, HelpersGoneWithin)
		}
	})

	t.Run("kill -9 -1 ends only one's own server", func(t *testing.T) {
		term, err := attacker.openTerminal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The terminal dies with everything else of the attendee: no answer.
		_ = term.send(ctx, "stdin", "kill -9 -1\r")
		attackerUID := accountUID(t, h.Prefix+attacker.Name)
		if err := waitFor(ctx, 30*time.Second, func() error {
			if p := processesOfUID(attackerUID); len(p) > 0 {
				return fmt.Errorf("%d of %s's processes still run: %v", len(p), attacker.Name, p)
			}
			return nil
		}); err != nil {
			t.Errorf("kill -9 -1 as %s: %v", attacker.Name, err)
		}
		if resp, err := h.HTTP.Get(h.URL + "/hub/api"); err != nil {
			t.Errorf("the hub no longer answers after an attendee's kill -9 -1: %v", err)
		} else {
			resp.Body.Close()
		}
		for _, o := range others {
			var status map[string]any
			if err := o.api(ctx, http.MethodGet, "api/status", nil, &status); err != nil {
				t.Errorf("%s's server no longer answers after %s's kill -9 -1: %v", o.Name, attacker.Name, err)
			}
		}
	})
}

// kernelProcesses finds a GoNB kernel of uid and its gopls (the newest of
// each).
func kernelProcesses(uid int) (gonb, gopls int) {
	for _, p := range processesOfUID(uid) {
		f := strings.Fields(p)
		if len(f) < 3 {
			continue
		}
		var pid int
		fmt.Sscan(f[0], &pid)
		switch filepath.Base(f[2]) {
		case "gonb":
			gonb = max(gonb, pid)
		case "gopls":
			if len(f) > 3 && f[3] == "-listen" {
				gopls = max(gopls, pid)
			}
		}
	}
	return gonb, gopls
}

// outputsText joins a cell's text outputs.
func outputsText(r cellRun) string {
	var b strings.Builder
	for _, o := range r.Outputs {
		b.WriteString(o.Text + o.plain())
	}
	return b.String()
}

// alive reports whether pid runs (a zombie has exited).
func alive(pid int) bool {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}
