package browsercheck

import "syscall"

// labProcAttr puts JupyterLab in its own process group (so a forced stop also
// ends its kernels) and asks Linux to stop it if the test binary dies first,
// e.g. when go test's -timeout panics before the cleanups run.
func labProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
