package measure

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/progress"
	"github.com/go-async-workshop/workshop/snippets/instrument/runstore"
	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	"github.com/go-async-workshop/workshop/snippets/tool/workload"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

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
	// OtherCores is, for a run with a lane of pure computation
	// (WithCPUWork), how many cores other programs kept busy on average
	// while it ran: the machine's busy time (Linux's /proc/stat) less this
	// program's CPU time, over the wall time. About 0 on a quiet machine;
	// 0 when not measured.
	OtherCores float64 `json:"other_cores,omitempty"`
	// Tries holds the wall time of every try of a run measured with Best,
	// in the order they ran; the run's figures are those of the fastest.
	Tries []float64 `json:"tries,omitempty"`
	// Error says why the run could not be set up (see Start), or is empty.
	Error string `json:"error,omitempty"`
	// Room, for a run against a server the whole room shares (whose
	// counters only its host resets), says that the server's figures count
	// everyone's requests; empty otherwise.
	Room string `json:"room,omitempty"`
	// OtherRequests is how many of the requests the server's figures count
	// were sent by other programs during the run, as the server's counts per
	// client show them (see OthersNote); 0 when there were none, or when the
	// counts cannot tell (a room's server, or two clients without a name).
	OtherRequests int `json:"other_requests,omitempty"`

	// Items is how many items the run worked on: the distinct labels of its
	// timeline (a video's id, a post's number), 0 without a timeline.
	Items int `json:"items"`
	// Videos and ModelWork are the workload the notebook was set to when
	// the run was measured ($WORKSHOP_VIDEOS and $WORKSHOP_MODEL_WORK, see
	// package workload), and Mode names it: ModeQuick with fewer videos
	// than the workshop's default, ModeFull otherwise.
	Videos    int     `json:"videos"`
	ModelWork float64 `json:"model_work"`
	Mode      string  `json:"mode"`
}

// Modes of a run (Result.Mode).
const (
	// ModeFull is the workshop's size (or more).
	ModeFull = "full"
	// ModeQuick is fewer videos than the workshop's default, as with
	// %env WORKSHOP_VIDEOS=20.
	ModeQuick = "quick"
)

// currentWorkload returns the workload the notebook is set to (its
// defaults where a setting does not parse: the cell that reads it has
// stopped with the error already) and its mode.
func currentWorkload() (videos int, work float64, mode string) {
	videos, _ = workload.Videos()
	work, _ = workload.ModelWork()
	mode = ModeFull
	if videos < workload.DefaultVideos {
		mode = ModeQuick
	}
	return videos, work, mode
}

// items counts the distinct labels of spans.
func items(spans []timeline.Span) int {
	seen := map[string]bool{}
	for _, s := range spans {
		seen[s.Label] = true
	}
	return len(seen)
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
	// machine0 is the machine's CPU counters at the start; machineOK says
	// whether they could be read.
	machine0  cpustat.Machine
	machineOK bool

	cpuLane       string
	hideWaiting   bool
	progressLane  string
	progressTotal int
	stopBar       func() // nil without a progress bar

	err  error // why the run could not be set up, if it could not
	room bool  // the server is the room's: its counters were not reset

	mu     sync.Mutex
	values map[string]float64
}

// RoomNote is what a run against the room's shared server says about the
// server's figures.
const RoomNote = "the room's server: its figures count everyone's requests since the host reset it"

// Start resets the server's counters (so that they describe this run alone),
// then starts the clock and an empty timeline. A run that could not reset
// the counters (the server did not answer) still measures, and says so in
// its report and in Err: the code being measured meets the same server, and
// its own error tells more.
func Start(ctx context.Context, c *videoapi.Client, name string, opts ...Option) *Run {
	r := &Run{name: name, ctx: ctx, client: c, out: os.Stdout, values: map[string]float64{}}
	for _, o := range opts {
		o(r)
	}
	if err := c.ResetStats(ctx); videoapi.IsHostOnly(err) {
		r.room = true
	} else if err != nil {
		r.err = fmt.Errorf("measure: cannot reset the server's counters, so its figures are missing or mix in earlier requests: %w", err)
	}
	r.cpu0 = cpustat.Process()
	r.machine0, r.machineOK = cpustat.ReadMachine()
	r.Recorder = timeline.New()
	if r.progressTotal > 0 {
		r.stopBar = progress.Follow(r.out, r.progressTotal, r.name, progressEvery, r.finished)
	}
	return r
}

// finished counts the finished spans of the progress bar's lane.
func (r *Run) finished() int {
	n := 0
	for _, s := range r.Recorder.Spans() {
		if s.Lane == r.progressLane {
			n++
		}
	}
	return n
}

// Err returns why the run could not be set up, or nil.
func (r *Run) Err() error { return r.err }

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
	if r.stopBar != nil {
		r.stopBar()
		r.stopBar = nil
	}
	cpu := cpustat.Process() - r.cpu0
	res := Result{
		Name:        r.name,
		WallSeconds: r.Recorder.Elapsed().Seconds(),
		CPUSeconds:  max(cpu, 0).Seconds(),
		Cores:       runtime.GOMAXPROCS(0),
		Server:      map[string]videoapi.EndpointStats{},
		Steps:       steps(r.Recorder),
		Items:       items(r.Recorder.Spans()),
	}
	res.Videos, res.ModelWork, res.Mode = currentWorkload()
	if r.err != nil {
		res.Error = r.err.Error()
	}
	if r.room {
		res.Room = RoomNote
	}
	if st, err := r.client.Stats(context.WithoutCancel(r.ctx)); err == nil {
		res.Server = ownView(st)
		if !r.room {
			res.OtherRequests = otherRequests(st, r.client.Name())
		}
	}
	res.CPUShare = cpuShare(res.CPUSeconds, r.Recorder.Spans(), r.cpuLane, res.Cores)
	if m, ok := cpustat.ReadMachine(); ok && r.machineOK && r.cpuLane != "" && res.WallSeconds > 0 {
		res.OtherCores = otherCores(m.Sub(r.machine0).BusySeconds(), res.CPUSeconds, res.WallSeconds)
	}
	r.mu.Lock()
	if len(r.values) > 0 {
		res.Values = maps.Clone(r.values)
	}
	r.mu.Unlock()
	return res
}

// Report stops the clock, reads the server's counters and shows the run:
// in a notebook as one rich output (summary, server table, timeline), else
// as plain text. It keeps the result for Compare and returns it. Keeping is
// a convenience: when it fails, the report says so and goes on.
func (r *Run) Report() Result {
	res := r.Result()
	if err := runstore.Save(res.Name, res); err != nil {
		fmt.Fprintf(os.Stderr, "measure: this run cannot be kept for Compare: %v\n", err)
	}
	display.Show(r.out, res.Text(), func() string { return res.html(r.Recorder, r.hideWaiting) }, res)
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
