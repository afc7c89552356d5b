package cpustat

import (
	"os"
	"strings"
)

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
