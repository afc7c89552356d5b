//go:build unix

package cpustat

import (
	"syscall"
	"time"
)

// Process returns the CPU time (user + system, on all cores) this process
// has used so far, or 0 if the system does not say.
func Process() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// Children returns the CPU time of the processes this one started that have
// ended and been waited for, or 0.
func Children() time.Duration { return rusage(syscall.RUSAGE_CHILDREN) }

// rusage returns the user + system time getrusage reports for who, or 0.
func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
