package kernelguard

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// prctl options (linux/prctl.h).
const (
	prSetPdeathsig      = 1
	prSetChildSubreaper = 36
)

// prctl calls prctl(2) with one argument.
func prctl(option, arg uintptr) error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, option, arg, 0); errno != 0 {
		return errno
	}
	return nil
}

// Bounds of the clean-up once the kernel has exited.
const (
	// sweepFor bounds how long Run keeps killing what is left below it (a
	// process that forks as fast as it is killed is bounded by the
	// attendee's process limit, and this).
	sweepFor = 10 * time.Second
	// sweepPause is the pause between two passes.
	sweepPause = 20 * time.Millisecond
)

// forwarded are the signals Run passes on to the kernel.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// Run starts the kernel (argv[0] with its arguments), waits for it, kills
// whatever it leaves behind, and returns the status the command exits with:
// the kernel's exit code, or 128 + the signal that killed it.
func Run(argv []string) (int, error) {
	if len(argv) == 0 {
		return 2, fmt.Errorf("usage: workshop-kernel PROGRAM [ARGUMENTS...]")
	}
	if err := prctl(prSetChildSubreaper, 1); err != nil {
		return 1, fmt.Errorf("becoming a subreaper: %w", err)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return 127, err
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)

	env, note := KernelEnv(os.Environ())
	if note != "" {
		fmt.Fprintln(os.Stderr, note)
	}
	kernel, err := os.StartProcess(path, argv, &os.ProcAttr{
		Env:   env,
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		return 127, err
	}
	pid := kernel.Pid
	go func() {
		for s := range sigs {
			_ = syscall.Kill(pid, s.(syscall.Signal))
		}
	}()

	// Reap every child: the kernel, and whatever is re-parented to us.
	status := -1
	for status < 0 {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 1, fmt.Errorf("waiting for the kernel: %w", err)
		}
		if got == pid {
			status = exitStatus(ws)
		}
	}
	sweep()
	return status, nil
}

// exitStatus is the status a shell would report for ws.
func exitStatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// sweep kills every process below this one until none is left.
func sweep() {
	self := os.Getpid()
	deadline := time.Now().Add(sweepFor)
	for {
		kids := childrenOf(self)
		for _, k := range kids {
			_ = syscall.Kill(k, syscall.SIGKILL)
		}
		// Collect the dead; their own children are ours now.
		for {
			var ws syscall.WaitStatus
			got, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err == syscall.EINTR {
				continue
			}
			if err != nil || got <= 0 {
				break
			}
		}
		if len(kids) == 0 && len(childrenOf(self)) == 0 {
			return
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(sweepPause)
	}
}

// childrenOf lists the processes whose parent is pid (zombies included:
// they are reaped by the caller).
func childrenOf(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(p); ok && ppid == pid {
			kids = append(kids, p)
		}
	}
	return kids
}

// parentOf reads a process's parent from /proc/PID/stat.
func parentOf(pid int) (int, bool) {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces and parentheses
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:]) // state ppid ...
	if len(f) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(f[1])
	return ppid, err == nil
}

// Gopls becomes the real gopls (named by $WORKSHOP_GOPLS) after asking
// Linux to kill it when its parent dies. It returns only on an error.
func Gopls(argv []string) error {
	parent := os.Getppid()
	if err := prctl(prSetPdeathsig, uintptr(syscall.SIGKILL)); err != nil {
		return fmt.Errorf("asking for the parent-death signal: %w", err)
	}
	if os.Getppid() != parent {
		os.Exit(1) // the kernel died before the request took effect
	}
	path, err := realGopls()
	if err != nil {
		return err
	}
	argv = append([]string{path}, argv[1:]...)
	return syscall.Exec(path, argv, os.Environ())
}
