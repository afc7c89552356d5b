package cpustat

import (
	"os"
	"strconv"
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

// parseStat parses the "cpu" line of /proc/stat: user nice system idle
// iowait irq softirq steal ...
func parseStat(line string) (m Machine, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return m, false
	}
	for i, f := range fields[1:] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return Machine{}, false
		}
		m.Total += v
		switch i {
		case 3, 4: // idle, iowait
		case 7:
			m.Steal = v
			m.Busy += v
		default:
			m.Busy += v
		}
	}
	return m, true
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
