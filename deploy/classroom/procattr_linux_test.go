package classroom

import "syscall"

// hubProcAttr puts the classroom in its own process group, and asks Linux
// to stop it (SIGTERM, which the script passes to the hub) if the test
// binary dies first, e.g. when go test's -timeout panics before the
// cleanups run.
func hubProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
