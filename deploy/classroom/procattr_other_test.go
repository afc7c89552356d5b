//go:build !linux

package classroom

import "syscall"

// hubProcAttr puts the classroom in its own process group.
func hubProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
