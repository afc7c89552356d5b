//go:build unix

package measure

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) this process has used so
// far, on all cores, or 0 if the system does not say.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
