package measure

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/snippets/timeline"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// ResultMIME is the MIME type under which Report and Compare attach their
// figures as JSON to the notebook output they show.
const ResultMIME = "application/vnd.go-async-workshop.run+json"

// progressEvery is how often the optional progress bar is redrawn.
const progressEvery = 200 * time.Millisecond

// Result is what one measured run did.
type Result struct {
	// Name names the run ("100 at once", "sync", ...).
	Name string `json:"name"`
	// WallSeconds is the run's wall-clock time.
	WallSeconds float64 `json:"wall_seconds"`
	// CPUSeconds is the CPU time the program used during the run, on all
	// cores (user + system); 0 where the system does not report it.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Cores is runtime.GOMAXPROCS(0): how many cores Go ran goroutines on.
	Cores int `json:"cores"`
	// Server is what each endpoint of the server went through during the
	// run (only the endpoints that saw requests).
	Server map[string]videoapi.EndpointStats `json:"server"`
	// Steps summarises the timeline, one entry per lane in lane order.
	Steps []Step `json:"steps"`
	// Values holds the figures the cell added with Set (failures, say).
	Values map[string]float64 `json:"values,omitempty"`
	// CPUShare is, for a run with a lane of pure computation (WithCPUWork),
	// the CPU the program used divided by the core time that work could
	// have used (the time its pieces ran, counting at most one per core):
	// about 1 on a quiet machine, much less when other programs took the
	// cores. 0 when not measured.
	CPUShare float64 `json:"cpu_share,omitempty"`
}

// Step summarises one lane (one kind of work) of a run's timeline.
type Step struct {
	Lane           string  `json:"lane"`
	Count          int     `json:"count"`
	AtOnce         int     `json:"at_once"`
	MeanSeconds    float64 `json:"mean_seconds"`
	LongestSeconds float64 `json:"longest_seconds"`
	// FirstEndSeconds and LastEndSeconds are when the first and the last
	// piece of work of this kind finished, from the start of the run.
	FirstEndSeconds float64 `json:"first_end_seconds"`
	LastEndSeconds  float64 `json:"last_end_seconds"`
}

// Option configures Start.
type Option func(*Run)

// WithProgress shows a progress bar that counts the finished spans of lane
// up to total, redrawn a few times a second while the run goes.
func WithProgress(lane string, total int) Option {
	return func(r *Run) { r.progressLane, r.progressTotal = lane, total }
}

// WithOutput sends the plain-text report and the progress bar to w instead
// of standard output.
func WithOutput(w io.Writer) Option {
	return func(r *Run) { r.out = w }
}

// WithCPUWork names the lane of the timeline whose work only computes (the
// content-warnings model, say). Report then compares the CPU the program got
// with the time that work took: when it got much less than one core per
// piece of work running, another program was using the machine's cores, and
// the report says so, since every time shown is then longer than on a quiet
// machine.
func WithCPUWork(lane string) Option {
	return func(r *Run) { r.cpuLane = lane }
}

// WithoutWaitingTrack leaves the timeline's grey waiting track out. The
// track counts items that finished one kind of work and have not begun the
// next; leave it out where the same label in two lanes is not one item
// moving from step to step.
func WithoutWaitingTrack() Option {
	return func(r *Run) { r.hideWaiting = true }
}

// Run is one measured run. It embeds the run's timeline, so the code being
// measured records its work with run.Begin and run.Track; pass run.Recorder
// to functions that take a *timeline.Recorder.
type Run struct {
	*timeline.Recorder
	name   string
	ctx    context.Context
	client *videoapi.Client
	out    io.Writer
	cpu0   time.Duration

	cpuLane       string
	hideWaiting   bool
	progressLane  string
	progressTotal int
	stopBar       chan struct{}
	barDone       sync.WaitGroup

	mu     sync.Mutex
	values map[string]float64
}

// Start resets the server's counters (so that they describe this run alone),
// then starts the clock and an empty timeline. If the server cannot be
// reached it stops the program with a message saying how to start it.
func Start(ctx context.Context, c *videoapi.Client, name string, opts ...Option) *Run {
	r := &Run{name: name, ctx: ctx, client: c, out: os.Stdout, values: map[string]float64{}}
	for _, o := range opts {
		o(r)
	}
	if err := c.ResetStats(ctx); err != nil {
		stop(r.out, fmt.Errorf("cannot reset the server's counters: %w", err))
	}
	r.cpu0 = cpuTime()
	r.Recorder = timeline.New()
	if r.progressTotal > 0 {
		r.startBar()
	}
	return r
}

// stop ends the program after a setup failure the run cannot go on without.
var stop = func(w io.Writer, err error) {
	fmt.Fprintln(w, "measure:", err)
	os.Exit(1)
}

// Set records a figure of the run (for example how many requests failed);
// Report shows it and attaches it to the result. It is safe to call from
// many goroutines.
func (r *Run) Set(key string, value float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.values[key] = value
}

// Result stops the clock and returns the run's figures without showing them.
func (r *Run) Result() Result {
	r.Recorder.Stop()
	r.stopProgress()
	cpu := cpuTime() - r.cpu0
	res := Result{
		Name:        r.name,
		WallSeconds: r.Recorder.Elapsed().Seconds(),
		CPUSeconds:  max(cpu, 0).Seconds(),
		Cores:       runtime.GOMAXPROCS(0),
		Server:      map[string]videoapi.EndpointStats{},
		Steps:       steps(r.Recorder),
	}
	if st, err := r.client.Stats(context.WithoutCancel(r.ctx)); err == nil {
		for name, s := range st {
			if s.Served+s.Rejected+s.InFlight+s.Waiting > 0 {
				res.Server[name] = s
			}
		}
	}
	res.CPUShare = cpuShare(res.CPUSeconds, r.Recorder.Spans(), r.cpuLane, res.Cores)
	r.mu.Lock()
	if len(r.values) > 0 {
		res.Values = maps(r.values)
	}
	r.mu.Unlock()
	return res
}

// Report stops the clock, reads the server's counters and shows the run:
// in a notebook as one rich output (summary, server table, timeline), else
// as plain text. It keeps the result for Compare and returns it.
func (r *Run) Report() Result {
	res := r.Result()
	keep(res)
	show(r.out, res.Text(), func() string { return res.html(r.Recorder, r.hideWaiting) }, res)
	return res
}

// steps summarises every lane of rec.
func steps(rec *timeline.Recorder) []Step {
	spans := rec.Spans()
	var out []Step
	for _, lane := range rec.Lanes() {
		s := Step{Lane: lane, AtOnce: rec.Peak(lane)}
		var total time.Duration
		first := time.Duration(-1)
		for _, sp := range spans {
			if sp.Lane != lane {
				continue
			}
			d := sp.End - sp.Start
			s.Count++
			total += d
			s.LongestSeconds = max(s.LongestSeconds, d.Seconds())
			if first < 0 || sp.End < first {
				first = sp.End
			}
			s.LastEndSeconds = max(s.LastEndSeconds, sp.End.Seconds())
		}
		if s.Count == 0 {
			continue
		}
		s.MeanSeconds = total.Seconds() / float64(s.Count)
		s.FirstEndSeconds = first.Seconds()
		out = append(out, s)
	}
	return out
}

// Step returns the summary of lane, and whether the run had that lane.
func (res Result) Step(lane string) (Step, bool) {
	i := slices.IndexFunc(res.Steps, func(s Step) bool { return s.Lane == lane })
	if i < 0 {
		return Step{}, false
	}
	return res.Steps[i], true
}

// CoresBusy is the average number of cores the run kept busy: its CPU time
// divided by its wall time.
func (res Result) CoresBusy() float64 {
	if res.WallSeconds <= 0 {
		return 0
	}
	return res.CPUSeconds / res.WallSeconds
}

// minCoresBusy is the CPU use below which reports leave the CPU line out:
// a run that mostly waits has nothing to show there.
const minCoresBusy = 0.15

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

// busyMachine returns a sentence saying that other programs took the cores
// during the run, or "" when they did not (or it was not measured).
func (res Result) busyMachine() string {
	if res.CPUShare <= 0 || res.CPUShare >= minCPUShare {
		return ""
	}
	return fmt.Sprintf("Note: the computing work got only %.0f%% of a core while it ran: other programs were using this machine's cores, so the times above are longer than on a quiet machine.", 100*min(res.CPUShare, 1))
}

// busyEnough reports whether the run used enough CPU for its CPU line to
// tell something.
func (res Result) busyEnough() bool {
	return res.CPUSeconds > 0 && res.WallSeconds > 0 && res.CoresBusy() >= minCoresBusy
}

// gateNames returns the server endpoints of res in the order of the
// server's endpoint table, then any other in alphabetical order.
func (res Result) gateNames() []string {
	names := make([]string, 0, len(res.Server))
	for name := range res.Server {
		names = append(names, name)
	}
	slices.SortFunc(names, endpoints.Compare)
	return names
}

// Text is the plain-text report of the run.
func (res Result) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", res.Name, seconds(res.WallSeconds))
	for _, name := range res.gateNames() {
		fmt.Fprintf(&b, "  server %-11s %s\n", gateLabel(name)+":", describeGate(res.Server[name]))
	}
	if res.busyEnough() {
		fmt.Fprintf(&b, "  CPU: %s used in %s = %.1f of %d cores busy\n", seconds(res.CPUSeconds), seconds(res.WallSeconds), res.CoresBusy(), res.Cores)
	}
	if len(res.Steps) > 0 {
		fmt.Fprintf(&b, "  %-11s %6s %8s %9s %9s %9s\n", "work", "count", "at once", "mean", "longest", "last done")
		for _, s := range res.Steps {
			fmt.Fprintf(&b, "  %-11s %6d %8d %9s %9s %9s\n", s.Lane, s.Count, s.AtOnce, seconds(s.MeanSeconds), seconds(s.LongestSeconds), seconds(s.LastEndSeconds))
		}
	}
	for _, k := range sortedKeys(res.Values) {
		fmt.Fprintf(&b, "  %s: %g\n", k, res.Values[k])
	}
	if note := res.busyMachine(); note != "" {
		fmt.Fprintf(&b, "  %s\n", note)
	}
	return b.String()
}

// gateLabel names an endpoint for a learner.
func gateLabel(name string) string { return endpoints.Label(name) }

// describeGate says in words what one endpoint went through.
func describeGate(s videoapi.EndpointStats) string {
	parts := []string{fmt.Sprintf("%d answered, at most %d at once", s.Served, s.PeakInFlight)}
	if s.PeakWaiting > 0 {
		parts = append(parts, fmt.Sprintf("up to %d queued", s.PeakWaiting))
	}
	if s.Degraded > 0 {
		parts = append(parts, fmt.Sprintf("%d slowed down by the queue", s.Degraded))
	}
	if s.Rejected > 0 {
		parts = append(parts, fmt.Sprintf("%d turned away (503)", s.Rejected))
	}
	return strings.Join(parts, ", ")
}

// seconds formats a duration in seconds for people: "0.80 s", "10.9 s", "118 s".
func seconds(s float64) string {
	switch {
	case s < 10:
		return fmt.Sprintf("%.2f s", s)
	case s < 100:
		return fmt.Sprintf("%.1f s", s)
	}
	return fmt.Sprintf("%.0f s", s)
}

func maps(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonOf encodes v for the ResultMIME attachment.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}
