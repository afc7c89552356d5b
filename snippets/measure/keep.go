package measure

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// EnvRunsDir names the environment variable that sets where runs are kept
// for Compare. By default they go to a folder under os.TempDir, shared by
// every notebook of the same user, so that one notebook can compare its run
// with runs measured in another.
const EnvRunsDir = "WORKSHOP_RUNS_DIR"

// kept is a Result as stored for Compare, with when it was measured.
type kept struct {
	Result
	MeasuredAt time.Time `json:"measured_at"`
}

// runsDir returns the folder where runs are kept.
func runsDir() string {
	if d := strings.TrimSpace(os.Getenv(EnvRunsDir)); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("go-async-workshop-runs-%d", os.Getuid()))
}

// fileName turns a run's name into a file name.
func fileName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	return b.String() + ".json"
}

// keep stores res for Compare. Keeping is a convenience: a failure to store
// is reported but does not stop the program.
func keep(res Result) {
	dir := runsDir()
	data, err := json.Marshal(kept{res, time.Now()})
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, fileName(res.Name)), data, 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure: cannot keep this run for Compare:", err)
	}
}

// Load returns the last kept run called name, and whether there is one.
func Load(name string) (Result, bool) {
	k, ok := load(name)
	return k.Result, ok
}

func load(name string) (kept, bool) {
	var k kept
	data, err := os.ReadFile(filepath.Join(runsDir(), fileName(name)))
	if err != nil || json.Unmarshal(data, &k) != nil {
		return kept{}, false
	}
	return k, true
}

// Comparison is what Compare shows: the runs found, in the order asked,
// and the names of those not measured yet.
type Comparison struct {
	Runs    []Result `json:"runs"`
	Missing []string `json:"missing,omitempty"`
}

// Compare shows the last kept runs with the given names side by side: wall
// time, speed-up against the first of them, and what the server went
// through. A run not measured yet is named as such.
func Compare(names ...string) Comparison {
	var c Comparison
	var ages []time.Time
	for _, n := range names {
		if k, ok := load(n); ok {
			c.Runs = append(c.Runs, k.Result)
			ages = append(ages, k.MeasuredAt)
		} else {
			c.Missing = append(c.Missing, n)
		}
	}
	show(stdout(), c.text(), func() string { return c.html(ages) }, c)
	return c
}

// speedup is the first run's wall time over run i's.
func (c Comparison) speedup(i int) string {
	if len(c.Runs) == 0 || c.Runs[i].WallSeconds <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fx", c.Runs[0].WallSeconds/c.Runs[i].WallSeconds)
}

// mainGate returns the busiest endpoint of a run (the one with most answers
// plus rejections), to summarise what the server went through in one column.
func mainGate(r Result) string {
	best, most := "", -1
	for _, n := range r.gateNames() {
		s := r.Server[n]
		if s.Served+s.Rejected > most {
			best, most = n, s.Served+s.Rejected
		}
	}
	return best
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
		fmt.Fprintf(&b, "%-16s %9s  speed-up %6s", r.Name, seconds(r.WallSeconds), c.speedup(i))
		if g := mainGate(r); g != "" {
			fmt.Fprintf(&b, "  server %s: %s", gateLabel(g), describeGate(r.Server[g]))
		}
		b.WriteString("\n")
	}
	for _, n := range c.Missing {
		fmt.Fprintf(&b, "%-16s not measured yet: run its cell first\n", n)
	}
	if note := c.busyNote(); note != "" {
		b.WriteString(note + "\n")
	}
	return b.String()
}

func (c Comparison) html(measured []time.Time) string {
	rows := [][]string{{"run", "wall time", "speed-up", "busiest endpoint", "at most at once", "at most queued", "slowed by the queue", "turned away (503)", "measured"}}
	for i, r := range c.Runs {
		row := []string{r.Name, seconds(r.WallSeconds), c.speedup(i), "", "", "", "", "", ago(measured[i])}
		if g := mainGate(r); g != "" {
			s := r.Server[g]
			row[3], row[4], row[5], row[6], row[7] = gateLabel(g), itoa(s.PeakInFlight), itoa(s.PeakWaiting), itoa(s.Degraded), itoa(s.Rejected)
		}
		rows = append(rows, row)
	}
	var b strings.Builder
	b.WriteString(table(rows))
	for _, n := range c.Missing {
		fmt.Fprintf(&b, "<div>%s: not measured yet, run its cell first.</div>", html.EscapeString(n))
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
