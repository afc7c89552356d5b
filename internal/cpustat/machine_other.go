//go:build !linux

package cpustat

import "time"

// Thread returns 0: only Linux tells a thread's CPU time here.
func Thread() time.Duration { return 0 }

// ReadMachine reports that the machine's counters are not read here: only
// Linux's /proc/stat gives them.
func ReadMachine() (m Machine, ok bool) { return m, false }

// LoadAverage returns "unknown": the load average is read from Linux's /proc.
func LoadAverage() string { return "unknown" }
