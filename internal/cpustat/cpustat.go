// Package cpustat reads what the CPUs did: the CPU time of this process, of
// the calling thread and of the ended processes it started, and the
// machine's counters (Linux's /proc/stat) and load average. It is the one
// home of these readings for the workshop's measuring code and benchmarks.
//
// Where the system does not tell a reading, the functions return zero (and
// MachineCounters and LoadAverage say so), so that a report can leave the
// line out instead of printing a wrong figure.
package cpustat

import (
	"strconv"
	"strings"
	"time"
)

// TicksPerSecond is Linux's USER_HZ, the unit of Counters.
const TicksPerSecond = 100

// Counters are the machine's CPU time since boot, in clock ticks summed over
// every CPU, as the "cpu" line of /proc/stat counts them.
type Counters struct {
	// Total is every tick counted.
	Total uint64
	// Busy is every tick not idle and not waiting for I/O.
	Busy uint64
	// Steal is the ticks the hypervisor gave to other machines while this
	// one had work to do.
	Steal uint64
}

// Sub returns the counters from earlier to c.
func (c Counters) Sub(earlier Counters) Counters {
	return Counters{Total: c.Total - earlier.Total, Busy: c.Busy - earlier.Busy, Steal: c.Steal - earlier.Steal}
}

// BusyShare is Busy over Total (0 when nothing was counted).
func (c Counters) BusyShare() float64 { return share(c.Busy, c.Total) }

// StealShare is Steal over Total (0 when nothing was counted).
func (c Counters) StealShare() float64 { return share(c.Steal, c.Total) }

func share(part, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(part) / float64(total)
}

// parseStat reads the counters from the first line of /proc/stat:
// "cpu user nice system idle iowait irq softirq steal ...".
func parseStat(text string) (Counters, bool) {
	line, _, _ := strings.Cut(text, "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return Counters{}, false
	}
	var c Counters
	for i, f := range fields[1:] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return Counters{}, false
		}
		c.Total += v
		switch i {
		case 3, 4: // idle, iowait
		default:
			c.Busy += v
		}
		if i == 7 {
			c.Steal = v
		}
	}
	return c, true
}

// parseLoadAverage reads the 1-minute load average from /proc/loadavg.
func parseLoadAverage(text string) (string, bool) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return "", false
	}
	if _, err := strconv.ParseFloat(fields[0], 64); err != nil {
		return "", false
	}
	return fields[0], true
}

// nanos turns a rusage time into a duration.
func nanos(sec, usec int64) time.Duration {
	return time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
}
