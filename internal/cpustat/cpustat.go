// Package cpustat reads how much CPU time this process and the whole
// machine have used, for programs and tests that print what a measurement
// cost and how busy the machine was: the process's own clock, the calling
// thread's and that of the ended processes it started (getrusage), the
// machine's counters and load average (Linux's /proc). Where a system does
// not tell, the answers say so (0, false, "unknown") rather than fail. It is
// the one home of these readings: measure, the benchmarks and the tests
// read them here.
package cpustat

import (
	"strconv"
	"strings"
	"time"
)

// ClockTick is the unit of the CPU times Linux's /proc gives: the machine's
// counters here, a process's times in /proc/PID/stat (USER_HZ, 100 a
// second on every Linux the workshop runs on).
const ClockTick = 10 * time.Millisecond

// Machine holds the machine's CPU time counters since boot, summed over
// all CPUs, in clock ticks (ClockTick).
type Machine struct {
	Total uint64 // all time, idle included
	Busy  uint64 // not idle and not waiting for I/O
	Steal uint64 // taken by the host of a virtual machine
}

// Sub returns the counters of the interval from earlier to m.
func (m Machine) Sub(earlier Machine) Machine {
	return Machine{Total: m.Total - earlier.Total, Busy: m.Busy - earlier.Busy, Steal: m.Steal - earlier.Steal}
}

// BusyShare is Busy over Total: how busy the machine was (0 when nothing
// was counted).
func (m Machine) BusyShare() float64 { return share(m.Busy, m.Total) }

// StealShare is Steal over Total: how much the host took (0 when nothing
// was counted).
func (m Machine) StealShare() float64 { return share(m.Steal, m.Total) }

// userHZ is the unit of the machine's counters: Linux's USER_HZ, 100 ticks
// a second on every architecture it runs on.
const userHZ = 100

// BusySeconds is Busy in seconds of CPU time, summed over all CPUs.
func (m Machine) BusySeconds() float64 { return float64(m.Busy) / userHZ }

func share(part, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(part) / float64(total)
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
