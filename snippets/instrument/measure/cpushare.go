package measure

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
)

// CoresBusy is the average number of cores the run kept busy: its CPU time
// divided by its wall time.
func (res Result) CoresBusy() float64 {
	if res.WallSeconds <= 0 {
		return 0
	}
	return res.CPUSeconds / res.WallSeconds
}

// minCoresBusy is the CPU use below which reports leave the CPU line out:
// a run that mostly waits has nothing to show there, unless it has a lane
// of computing work (WithCPUWork): then how little of the cores it used is
// the point, and the line shows.
const minCoresBusy = 0.15

// minCPUWall is the shortest run whose CPU line reports show: over a few
// milliseconds the process's CPU clock counts the runtime's own work and
// its ticks, and a share such as "2.2 of 2 cores busy" would mean nothing.
const minCPUWall = 0.05

// coreSeconds is how much core time the work of lane could have used: the
// integral over the run of the number of its spans open at once, counting
// at most cores of them (more than one per core only take turns).
func coreSeconds(spans []timeline.Span, lane string, cores int) float64 {
	type event struct {
		at    time.Duration
		delta int
	}
	var events []event
	for _, s := range spans {
		if s.Lane == lane {
			events = append(events, event{s.Start, +1}, event{s.End, -1})
		}
	}
	slices.SortFunc(events, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	total, open := 0.0, 0
	for i, e := range events {
		if i > 0 {
			total += float64(min(open, cores)) * (e.at - events[i-1].at).Seconds()
		}
		open += e.delta
	}
	return total
}

// cpuShare is the CPU the run used over the core time the work of lane
// could have used (coreSeconds); 0 if there is no such work.
func cpuShare(cpu float64, spans []timeline.Span, lane string, cores int) float64 {
	if lane == "" {
		return 0
	}
	if cs := coreSeconds(spans, lane, cores); cs > 0 {
		return cpu / cs
	}
	return 0
}

// minCPUShare is the CPU share below which reports say the machine was busy.
const minCPUShare = 0.7

// minOtherCores is how many cores other programs must keep busy on average
// during a computing run for its report to say so: a quarter of a core
// (a quiet laptop's background stays well below it) makes the run's times
// visibly longer on a machine of a few cores.
const minOtherCores = 0.25

// otherCores is how many cores other programs kept busy on average during
// a run of wall seconds in which the machine was busy for machineBusy
// seconds of CPU and this program used cpu of them; never below 0.
func otherCores(machineBusy, cpu, wall float64) float64 {
	return max(machineBusy-cpu, 0) / wall
}

// MachineBusy reports whether, by the run's own measurement, other
// programs took cores it could have computed on: its computing work got
// much less than a core per piece running (CPUShare), or other programs
// kept a quarter of a core or more busy while it ran (OtherCores). Then
// every time it shows is longer than on a quiet machine, and its report
// says so.
func (res Result) MachineBusy() bool {
	return res.CPUShare > 0 && res.CPUShare < minCPUShare || res.OtherCores >= minOtherCores
}

// busyMachine returns a sentence saying that other programs took the cores
// during the run, or "" when they did not (or it was not measured).
func (res Result) busyMachine() string {
	switch {
	case !res.MachineBusy():
		return ""
	case res.CPUShare > 0 && res.CPUShare < minCPUShare:
		return fmt.Sprintf("Note: the computing work got only %.0f%% of the cores it could use while it ran: other programs were using this machine's cores, so the times above are longer than on a quiet machine.", 100*res.CPUShare)
	}
	return fmt.Sprintf("Note: other programs were using this machine's cores while this ran (%.1f cores busy with them on average), so the computing here got less of them and the times above are longer than on a quiet machine.", res.OtherCores)
}

// busyEnough reports whether the run's CPU line tells something: it used
// CPU for long enough, and either a good share of a core or in a lane of
// computing work (CPUShare is measured only for such a run).
func (res Result) busyEnough() bool {
	return res.CPUSeconds > 0 && res.WallSeconds >= minCPUWall && (res.CoresBusy() >= minCoresBusy || res.CPUShare > 0)
}
