// Package kernelguard makes a Jupyter kernel's helpers die with it.
//
// A GoNB kernel starts gopls in a process group of its own (so that an
// interrupt of the kernel does not reach it), and runs every cell as a
// program of its own. When the kernel is killed outright (by the
// out-of-memory killer, a limit, or `kill -9`), nothing stops those: ten
// kernels killed that way left ten gopls processes holding 896 MiB. The
// classroom therefore starts every kernel through Run (the command
// workshop-kernel, named in the kernel's kernel.json):
//
//   - Run becomes a child subreaper (Linux's PR_SET_CHILD_SUBREAPER), starts
//     the kernel as its child and passes on the signals it gets; processes
//     the kernel leaves behind are re-parented to Run instead of to init;
//   - when the kernel exits, however it exits, Run kills every process
//     still below it, whatever its process group or session, and then exits
//     with the kernel's status, so that Jupyter sees the kernel die and
//     restarts it;
//   - the kernel dies with Run (the parent-death signal), should Run be
//     killed itself.
//
// Jupyter kills a kernel by killing its process group, which takes Run and
// the kernel at once; gopls, in a group of its own, survives that. So the
// same command, when it runs under the name "gopls", is a wrapper (Gopls):
// it asks Linux for SIGKILL when its parent (the kernel) dies, then becomes
// the real gopls. The kernel finds it first on its PATH.
//
// The room moment (room.go): a kernel starts with $VIDEO_API_URL set to the
// server the room file ($WORKSHOP_ROOM_FILE) names, while the host has
// written one; otherwise with the attendee's own.
//
// Elsewhere than on Linux, Run runs the kernel and passes on its signals
// and status only.
package kernelguard

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// Environment of the gopls wrapper.
const (
	// EnvGopls names the real gopls program the wrapper runs.
	EnvGopls = "WORKSHOP_GOPLS"
	// GoplsName is the name under which the command is the gopls wrapper.
	GoplsName = "gopls"
)

// IsGopls reports whether the command was started as the gopls wrapper.
func IsGopls(argv0 string) bool { return filepath.Base(argv0) == GoplsName }

// realGopls returns the program the wrapper becomes.
func realGopls() (string, error) {
	p := os.Getenv(EnvGopls)
	if p == "" {
		return "", errors.New("workshop-kernel: started as gopls, but $" + EnvGopls + " does not name the real gopls")
	}
	if filepath.Base(p) == GoplsName {
		if self, err := os.Executable(); err == nil {
			if a, b := resolve(p), resolve(self); a == b {
				return "", errors.New("workshop-kernel: $" + EnvGopls + " names this wrapper itself")
			}
		}
	}
	return exec.LookPath(p)
}

// resolve follows symbolic links, for comparisons.
func resolve(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}
