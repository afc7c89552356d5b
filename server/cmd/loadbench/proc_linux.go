package main

import (
	"os"
	"strconv"
	"strings"
)

// cpuStat is the system-wide CPU time counters of /proc/stat, in clock ticks.
type cpuStat struct{ total, steal uint64 }

// readCPUStat reads the "cpu" line of /proc/stat; ok is false where there is none.
func readCPUStat() (st cpuStat, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return st, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return st, false
	}
	for i, f := range fields[1:] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return st, false
		}
		st.total += v
		if i == 7 { // user nice system idle iowait irq softirq steal ...
			st.steal = v
		}
	}
	return st, true
}

// loadAverage returns the 1-minute load average, when the system tells it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}
