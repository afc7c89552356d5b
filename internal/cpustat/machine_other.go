//go:build !linux

package cpustat

import "time"

// Thread returns 0: only Linux tells a thread's CPU time here.
func Thread() time.Duration { return 0 }

// MachineCounters reports that there are no counters: only Linux's
// /proc/stat gives them here.
func MachineCounters() (c Counters, ok bool) { return Counters{}, false }

// LoadAverage reports that there is no load average: it is read from
// Linux's /proc here.
func LoadAverage() (avg string, ok bool) { return "", false }
