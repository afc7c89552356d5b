package measure

import (
	"errors"
	"fmt"
	"html"
	"io/fs"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/runstore"
)

// Load returns the last run called name that Report kept (see package
// runstore for where), and whether there is one.
func Load(name string) (Result, bool) {
	var res Result
	_, err := runstore.Load(name, &res)
	return res, err == nil
}

// Comparison is what Compare shows: the runs found, in the order asked,
// and the names of those not measured yet (or whose kept figures cannot be
// read).
type Comparison struct {
	Runs    []Result `json:"runs"`
	Missing []string `json:"missing,omitempty"`
	// measured is when each run was measured.
	measured []time.Time
	// unreadable says why a missing run's figures could not be read.
	unreadable map[string]string
}

// Compare shows the last kept runs with the given names side by side: wall
// time, speed-up against the first of them, and what the server went
// through. A run not measured yet is named as such.
func Compare(names ...string) Comparison {
	var c Comparison
	for _, n := range names {
		var res Result
		at, err := runstore.Load(n, &res)
		switch {
		case err == nil:
			c.Runs = append(c.Runs, res)
			c.measured = append(c.measured, at)
		case errors.Is(err, fs.ErrNotExist):
			c.Missing = append(c.Missing, n)
		default:
			c.Missing = append(c.Missing, n)
			if c.unreadable == nil {
				c.unreadable = map[string]string{}
			}
			c.unreadable[n] = err.Error()
		}
	}
	display.Show(nil, c.text(), c.html, c)
	return c
}

// speedup is the first run's wall time over run i's.
func (c Comparison) speedup(i int) string {
	if len(c.Runs) == 0 || c.Runs[i].WallSeconds <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fx", c.Runs[0].WallSeconds/c.Runs[i].WallSeconds)
}

// missingLine says why a run is not in the comparison.
func (c Comparison) missingLine(name string) string {
	if why, ok := c.unreadable[name]; ok {
		return fmt.Sprintf("%s: its kept figures cannot be read (%s): run its cell again", name, why)
	}
	return fmt.Sprintf("%s: not measured yet, run its cell first", name)
}

// busyNote says which runs' computing work got less than a core, or "".
func (c Comparison) busyNote() string {
	var busy []string
	for _, r := range c.Runs {
		if r.busyMachine() != "" {
			busy = append(busy, r.Name)
		}
	}
	if len(busy) == 0 {
		return ""
	}
	return fmt.Sprintf("Note: in %s, the computing work got less than a core: other programs were using this machine's cores, so these times and speed-ups are not what a quiet machine gives. Run the cells again when it is quiet.", strings.Join(busy, ", "))
}

func (c Comparison) text() string {
	var b strings.Builder
	for i, r := range c.Runs {
		fmt.Fprintf(&b, "%-16s %9s  speed-up %6s", r.Name, display.Seconds(r.WallSeconds), c.speedup(i))
		if g, s, ok := r.Busiest(); ok {
			fmt.Fprintf(&b, "  server %s: %s", gateLabel(g), describeGate(s))
		}
		b.WriteString("\n")
	}
	for _, n := range c.Missing {
		b.WriteString(c.missingLine(n) + "\n")
	}
	if note := c.busyNote(); note != "" {
		b.WriteString(note + "\n")
	}
	return b.String()
}

func (c Comparison) html() string {
	rows := [][]string{{"run", "wall time", "speed-up", "busiest endpoint", "at most at once", "at most queued", "slowed by the queue", "turned away (503)", "measured"}}
	for i, r := range c.Runs {
		row := []string{r.Name, display.Seconds(r.WallSeconds), c.speedup(i), "", "", "", "", "", ""}
		if i < len(c.measured) {
			row[8] = ago(c.measured[i])
		}
		if g, s, ok := r.Busiest(); ok {
			row[3], row[4], row[5], row[6], row[7] = gateLabel(g), itoa(s.PeakInFlight), itoa(s.PeakWaiting), itoa(s.Degraded), itoa(s.Rejected)
		}
		rows = append(rows, row)
	}
	var b strings.Builder
	b.WriteString(display.Table(rows))
	for _, n := range c.Missing {
		fmt.Fprintf(&b, "<div>%s.</div>", html.EscapeString(c.missingLine(n)))
	}
	if note := c.busyNote(); note != "" {
		fmt.Fprintf(&b, "<div><i>%s</i></div>", html.EscapeString(note))
	}
	return b.String()
}

// ago says how long ago t was, roughly.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return t.Format("2006-01-02")
}
