package cpustat

import (
	"os"
	"strings"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// Thread returns the CPU time the calling OS thread has used so far, or 0.
// Lock the goroutine to its thread (runtime.LockOSThread) around the work
// being timed, or the reading may come from another thread.
func Thread() time.Duration { return rusage(rusageThread) }

// ReadMachine reads the "cpu" line of /proc/stat; ok is false if it cannot.
func ReadMachine() (m Machine, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return m, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseStat(line)
}

// LoadAverage returns the machine's 1-minute load average as the system
// writes it, or "unknown".
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}
