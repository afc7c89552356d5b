package kernelguard

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitLimit bounds each wait for a process to start, write its pids or
// end: a second on a quiet machine, and only a guard that never does it
// reaches the bound on a busy one.
const waitLimit = time.Minute

// The test binary plays the kernel and its helpers: GUARD_TEST_ROLE says
// which, GUARD_TEST_PIDS where it writes the pids of what it started.
const (
	envRole = "GUARD_TEST_ROLE"
	envPids = "GUARD_TEST_PIDS"
)

func TestMain(m *testing.M) {
	switch os.Getenv(envRole) {
	case "":
		os.Exit(m.Run())
	case "kernel":
		// Like GoNB: a helper in a process group of its own (gopls), and
		// a program in the kernel's group (a cell), then wait.
		helper := exec.Command(os.Args[0])
		helper.Env = append(os.Environ(), envRole+"=sleep")
		helper.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cell := exec.Command(os.Args[0])
		cell.Env = append(os.Environ(), envRole+"=sleep")
		if helper.Start() != nil || cell.Start() != nil {
			os.Exit(3)
		}
		writePids(helper.Process.Pid, cell.Process.Pid)
		time.Sleep(time.Hour)
	case "parent":
		// Starts "gopls" (the wrapper, first on PATH) and waits. The
		// program the wrapper becomes writes its own pid, so the test kills
		// this parent only once the wrapper has done its work.
		gopls := exec.Command("gopls", "serve")
		gopls.Env = append(os.Environ(), envRole+"=gopls")
		if gopls.Start() != nil {
			os.Exit(3)
		}
		time.Sleep(time.Hour)
	case "gopls":
		writePids(os.Getpid())
		time.Sleep(time.Hour)
	case "sleep":
		time.Sleep(time.Hour)
	}
	os.Exit(4)
}

func writePids(pids ...int) {
	var s []string
	for _, p := range pids {
		s = append(s, strconv.Itoa(p))
	}
	_ = os.WriteFile(os.Getenv(envPids)+".tmp", []byte(strings.Join(s, " ")), 0o600)
	_ = os.Rename(os.Getenv(envPids)+".tmp", os.Getenv(envPids))
}

// buildGuard builds the workshop-kernel command.
func buildGuard(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "workshop-kernel")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/workshop-kernel").CombinedOutput()
	if err != nil {
		t.Fatalf("building workshop-kernel: %v\n%s", err, out)
	}
	return bin
}

// readPids waits for the pids a role wrote.
func readPids(t *testing.T, file string) []int {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if raw, err := os.ReadFile(file); err == nil {
			var pids []int
			for _, f := range strings.Fields(string(raw)) {
				p, _ := strconv.Atoi(f)
				pids = append(pids, p)
			}
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pids in %s after %v", file, waitLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
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

// waitGone waits until none of pids runs.
func waitGone(t *testing.T, what string, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for _, p := range pids {
		for alive(p) {
			if time.Now().After(deadline) {
				t.Errorf("%s: process %d still runs after %v", what, p, waitLimit)
				_ = syscall.Kill(p, syscall.SIGKILL)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// startKernel runs the fake kernel under the guard and returns the guard,
// the kernel's pid and its helper's and cell's pids.
func startKernel(t *testing.T, guard string) (*exec.Cmd, int, []int) {
	t.Helper()
	pids := filepath.Join(t.TempDir(), "pids")
	cmd := exec.Command(guard, os.Args[0])
	cmd.Env = append(os.Environ(), envRole+"=kernel", envPids+"="+pids)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // as Jupyter starts a kernel
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	helpers := readPids(t, pids)
	kids := childrenOf(cmd.Process.Pid)
	if len(kids) != 1 {
		t.Fatalf("the guard has children %v, want the kernel alone", kids)
	}
	return cmd, kids[0], helpers
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(waitLimit):
		t.Fatalf("the guard did not exit within %v of the kernel", waitLimit)
		return -1
	}
}

// TestKernelKilledOutright: the out-of-memory killer's case. The kernel
// alone gets SIGKILL; its helper in another process group and its running
// cell must go too, and the guard must exit as the kernel did.
func TestKernelKilledOutright(t *testing.T) {
	guard := buildGuard(t)
	cmd, kernel, helpers := startKernel(t, guard)
	if err := syscall.Kill(kernel, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd); code != 128+int(syscall.SIGKILL) {
		t.Errorf("the guard exited %d, want %d (killed by SIGKILL)", code, 128+int(syscall.SIGKILL))
	}
	waitGone(t, "after the kernel was killed", helpers...)
}

// TestKernelStoppedBySignal: a signal to the guard reaches the kernel, and
// the kernel's helpers go with it.
func TestKernelStoppedBySignal(t *testing.T) {
	guard := buildGuard(t)
	cmd, _, helpers := startKernel(t, guard)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd); code != 128+int(syscall.SIGTERM) {
		t.Errorf("the guard exited %d, want %d (the kernel ended by SIGTERM)", code, 128+int(syscall.SIGTERM))
	}
	waitGone(t, "after SIGTERM", helpers...)
}

// TestGoplsDiesWithTheKernel: Jupyter kills a kernel's process group, which
// gopls is not in; the wrapper makes gopls die with its parent anyway. The
// same attempt without the wrapper leaves the helper running, so the test
// can fail.
func TestGoplsDiesWithTheKernel(t *testing.T) {
	guard := buildGuard(t)
	for _, wrapped := range []bool{true, false} {
		dir := t.TempDir()
		real := os.Args[0]
		if wrapped {
			if err := os.Symlink(guard, filepath.Join(dir, "gopls")); err != nil {
				t.Fatal(err)
			}
		} else if err := os.Symlink(real, filepath.Join(dir, "gopls")); err != nil {
			t.Fatal(err)
		}
		pids := filepath.Join(dir, "pids")
		parent := exec.Command(os.Args[0])
		parent.Env = append(os.Environ(), envRole+"=parent", envPids+"="+pids,
			"PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), EnvGopls+"="+real)
		if err := parent.Start(); err != nil {
			t.Fatal(err)
		}
		gopls := readPids(t, pids)[0]
		t.Cleanup(func() { _ = syscall.Kill(gopls, syscall.SIGKILL) })
		_ = parent.Process.Kill()
		_ = parent.Wait()
		if wrapped {
			waitGone(t, "gopls after its kernel was killed", gopls)
		} else {
			time.Sleep(500 * time.Millisecond)
			if !alive(gopls) {
				t.Errorf("without the wrapper, the helper died with its parent too: the test cannot tell the wrapper's work")
			}
		}
	}
}

func TestGoplsWithoutTheRealOne(t *testing.T) {
	guard := buildGuard(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "gopls")
	if err := os.Symlink(guard, link); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{EnvGopls + "=", EnvGopls + "=" + link} {
		cmd := exec.Command(link, "version")
		cmd.Env = append(os.Environ(), env)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), EnvGopls) {
			t.Errorf("gopls wrapper with %s: %v %s, want an error naming %s", env, err, out, EnvGopls)
		}
	}
}

func TestRunWithoutAProgram(t *testing.T) {
	if code, err := Run(nil); err == nil || code != 2 {
		t.Errorf("Run(nil) = %d, %v; want 2 and a usage error", code, err)
	}
}
