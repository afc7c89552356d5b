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
	"github.com/go-async-workshop/workshop/snippets/tool/workload"
)

// Load returns the last run called name that Report kept (see package
// runstore for where), and whether there is one.
func Load(name string) (Result, bool) {
	var res Result
	_, err := runstore.Load(name, &res)
	return res, err == nil
}

// Comparison is what Compare shows: the runs found, in the order asked,
// the names of those not measured yet (or whose kept figures cannot be
// read), and notes saying which rows cannot be compared and why.
type Comparison struct {
	Runs    []Result `json:"runs"`
	Missing []string `json:"missing,omitempty"`
	// Notes say in plain words why rows are not comparable: different
	// numbers of items, quick mode beside the full workshop, a different
	// model, other programs taking the cores.
	Notes []string `json:"notes,omitempty"`
	// measured is when each run was measured.
	measured []time.Time
	// unreadable says why a missing run's figures could not be read.
	unreadable map[string]string
}

// Compare shows the last kept runs with the given names side by side: how
// many items each worked on and in which mode, wall time, speed-up against
// the first of them, and what the server went through. A run not measured
// yet is named as such. When rows cannot be compared (runs of different
// sizes, quick mode beside full, a machine busy with other programs) the
// comparison says so under the table, and a speed-up between runs of
// different sizes is not shown.
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
	c.Notes = c.notes()
	display.Show(nil, c.text(), c.html, c)
	return c
}

// speedup is the first run's wall time over run i's, or "n/a" when the two
// runs did not work on the same number of items.
func (c Comparison) speedup(i int) string {
	switch {
	case len(c.Runs) == 0 || c.Runs[i].WallSeconds <= 0:
		return "-"
	case !sameSize(c.Runs[0], c.Runs[i]):
		return "n/a"
	}
	return fmt.Sprintf("%.1fx", c.Runs[0].WallSeconds/c.Runs[i].WallSeconds)
}

// sameSize reports whether two runs worked on as many items (runs that do
// not tell are taken to).
func sameSize(a, b Result) bool {
	return a.Items == 0 || b.Items == 0 || a.Items == b.Items
}

// notes says why rows of the comparison cannot be compared, if they cannot.
func (c Comparison) notes() []string {
	var notes []string
	if sizes := distinct(c.Runs, func(r Result) string {
		if r.Items == 0 {
			return ""
		}
		return fmt.Sprintf("%d items", r.Items)
	}); len(sizes) > 1 {
		notes = append(notes, fmt.Sprintf("Not comparable: these runs worked on different numbers of items (%s), so their times and speed-ups say nothing about each other. Run their cells again with the same settings.", sizes))
	}
	if modes := distinct(c.Runs, func(r Result) string { return r.Mode }); len(modes) > 1 {
		notes = append(notes, fmt.Sprintf("Not comparable: some runs were measured in quick mode ($%s below %d) and others at the workshop's full size (%s). Run them all again in one mode.", workload.EnvVideos, workload.DefaultVideos, modes))
	}
	if works := distinct(c.Runs, func(r Result) string {
		if r.Mode == "" {
			return ""
		}
		return fmt.Sprintf("model work %g", r.ModelWork)
	}); len(works) > 1 {
		notes = append(notes, fmt.Sprintf("Not comparable: the model did different amounts of work per video in these runs (%s, $%s). Run them all again with one setting.", works, workload.EnvModelWork))
	}
	if note := c.busyNote(); note != "" {
		notes = append(notes, note)
	}
	return notes
}

// distinct lists, as "a: run1, run2; b: run3", the runs grouped by what key
// says of them, when key says more than one thing; runs for which it says
// "" are left out.
func distinct(runs []Result, key func(Result) string) string {
	var keys []string
	groups := map[string][]string{}
	for _, r := range runs {
		k := key(r)
		if k == "" {
			continue
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r.Name)
	}
	if len(keys) < 2 {
		return ""
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + strings.Join(groups[k], ", ")
	}
	return strings.Join(parts, "; ")
}

// missingLine says why a run is not in the comparison.
func (c Comparison) missingLine(name string) string {
	if why, ok := c.unreadable[name]; ok {
		return fmt.Sprintf("%s: its kept figures cannot be read (%s): run its cell again", name, why)
	}
	return fmt.Sprintf("%s: not measured yet, run its cell first", name)
}

// busyNote says in which runs other programs took the cores, or "".
func (c Comparison) busyNote() string {
	var busy []string
	for _, r := range c.Runs {
		if r.MachineBusy() {
			busy = append(busy, r.Name)
		}
	}
	if len(busy) == 0 {
		return ""
	}
	return fmt.Sprintf("Note: in %s, other programs were using this machine's cores while the work computed (that run's report says how much), so these times and speed-ups are not what a quiet machine gives. Run the cells again when it is quiet.", strings.Join(busy, ", "))
}

func (c Comparison) text() string {
	var b strings.Builder
	for i, r := range c.Runs {
		fmt.Fprintf(&b, "%-16s %5s %-5s %9s  speed-up %6s", r.Name, itoa(r.Items), r.Mode, display.Seconds(r.WallSeconds), c.speedup(i))
		if g, s, ok := r.Busiest(); ok {
			fmt.Fprintf(&b, "  server %s: %s", gateLabel(g), describeGate(s))
		}
		b.WriteString("\n")
	}
	for _, n := range c.Missing {
		b.WriteString(c.missingLine(n) + "\n")
	}
	for _, note := range c.Notes {
		b.WriteString(note + "\n")
	}
	return b.String()
}

func (c Comparison) html() string {
	rows := [][]string{{"run", "items", "mode", "wall time", "speed-up", "busiest endpoint", "at most at once", "at most queued", "slowed by the queue", "turned away (503)", "measured"}}
	for i, r := range c.Runs {
		row := []string{r.Name, itoa(r.Items), r.Mode, display.Seconds(r.WallSeconds), c.speedup(i), "", "", "", "", "", ""}
		if i < len(c.measured) {
			row[10] = ago(c.measured[i])
		}
		if g, s, ok := r.Busiest(); ok {
			row[5], row[6], row[7], row[8], row[9] = gateLabel(g), itoa(s.PeakInFlight), itoa(s.PeakWaiting), itoa(s.Degraded), itoa(s.Rejected)
		}
		rows = append(rows, row)
	}
	var b strings.Builder
	b.WriteString(display.Table(rows))
	for _, n := range c.Missing {
		fmt.Fprintf(&b, "<div>%s.</div>", html.EscapeString(c.missingLine(n)))
	}
	for _, note := range c.Notes {
		fmt.Fprintf(&b, "<div><b>%s</b></div>", html.EscapeString(note))
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
