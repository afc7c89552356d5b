package cpustat

import (
	"os"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// Thread returns the CPU time the calling OS thread has used so far, or 0.
// Lock the goroutine to its thread (runtime.LockOSThread) around the work
// being timed, or the reading may come from another thread.
func Thread() time.Duration { return rusage(rusageThread) }

// MachineCounters reads /proc/stat; ok is false where it cannot.
func MachineCounters() (c Counters, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return Counters{}, false
	}
	return parseStat(string(b))
}

// LoadAverage returns the machine's 1-minute load average as /proc/loadavg
// writes it ("0.42"); ok is false where it cannot be read.
func LoadAverage() (avg string, ok bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "", false
	}
	return parseLoadAverage(string(b))
}
