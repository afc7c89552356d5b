//go:build !linux

package browsercheck

import "syscall"

// labProcAttr puts JupyterLab in its own process group, so that a forced stop
// also ends its kernels.
func labProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
