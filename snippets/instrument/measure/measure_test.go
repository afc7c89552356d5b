package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
	"github.com/go-async-workshop/workshop/internal/leakcheck"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/runstore"
	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	"github.com/go-async-workshop/workshop/snippets/tool/workload"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

// client starts the real server at a small latency scale.
func client(t *testing.T) *videoapi.Client {
	t.Helper()
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0.02
	cfg.Videos = 40
	srv := servertest.Start(t, cfg)
	c := videoapi.New(srv.URL)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// burst fetches n videos at once, recording each on run's timeline.
func burst(t *testing.T, ctx context.Context, c *videoapi.Client, run *Run, n int) {
	t.Helper()
	ids, err := c.ListIDs(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			defer run.Begin("get video", id)()
			if _, err := c.Video(ctx, id); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestReportInATerminal(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	var out strings.Builder
	run := Start(ctx, c, "30 at once", WithOutput(&out))
	burst(t, ctx, c, run, 30)
	run.Set("failed", 0)
	t.Setenv(runstore.EnvDir, t.TempDir())
	res := run.Report()

	if res.Name != "30 at once" || res.WallSeconds <= 0 || res.Cores < 1 {
		t.Errorf("result %+v", res)
	}
	video := res.Server["video"]
	if video.Served != 30 || video.PeakInFlight != mockserver.VideoCapacity || video.PeakWaiting < 1 || video.Degraded < 1 {
		t.Errorf("server video gate %+v: want 30 answered, %d at once, some queued and slowed", video, mockserver.VideoCapacity)
	}
	if _, ok := res.Server["transcript"]; ok {
		t.Error("an endpoint without requests is reported")
	}
	// Every request the server held at once was inside its span on the
	// timeline, so the timeline shows at least as many at once: a bound that
	// holds however late a busy machine starts the last goroutines.
	step, ok := res.Step("get video")
	if !ok || step.Count != 30 || step.AtOnce < video.PeakInFlight || step.AtOnce > 30 || step.LongestSeconds < step.MeanSeconds || step.LastEndSeconds > res.WallSeconds {
		t.Errorf("step %+v", step)
	}
	for _, want := range []string{"30 at once: ", "server videos:", "30 answered, at most 10 at once", "queued", "slowed down by the queue", "get video", "failed: 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if got, ok := Load("30 at once"); !ok || got.WallSeconds != res.WallSeconds {
		t.Errorf("Load = %+v, %v", got, ok)
	}
}

// captureNotebook makes display.Show send its outputs to a slice, as in a
// notebook.
func captureNotebook(t *testing.T) *[]display.Output {
	t.Helper()
	var sent []display.Output
	t.Cleanup(display.Redirect(func(o display.Output) { sent = append(sent, o) }))
	return &sent
}

func TestReportInANotebook(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	sent := captureNotebook(t)
	t.Setenv(runstore.EnvDir, t.TempDir())
	run := Start(ctx, c, "limited", WithOutput(io.Discard))
	burst(t, ctx, c, run, 5)
	res := run.Report()
	if len(*sent) != 1 {
		t.Fatalf("sent %d outputs, want 1", len(*sent))
	}
	d := (*sent)[0]
	var got Result
	if err := json.Unmarshal([]byte(d[display.FiguresMIME]), &got); err != nil {
		t.Fatalf("%s is not a Result: %v", display.FiguresMIME, err)
	}
	if got.Name != "limited" || got.WallSeconds != res.WallSeconds || got.Server["video"].Served != 5 {
		t.Errorf("attached figures %+v", got)
	}
	if !strings.Contains(d["text/html"], `<img src="data:image/svg+xml;base64,`) || !strings.Contains(d["text/html"], "at most at once") {
		t.Errorf("HTML lacks the timeline or the server table:\n%s", d["text/html"])
	}
	if !strings.HasPrefix(d["text/plain"], "limited: ") {
		t.Errorf("text/plain = %q", d["text/plain"])
	}
}

func TestCompare(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	sent := captureNotebook(t)
	t.Setenv(runstore.EnvDir, t.TempDir())
	for _, name := range []string{"slow", "fast"} {
		run := Start(ctx, c, name, WithOutput(io.Discard))
		burst(t, ctx, c, run, 3)
		run.Report()
	}
	cmp := Compare("slow", "fast", "never run")
	if len(cmp.Runs) != 2 || cmp.Runs[0].Name != "slow" || cmp.Runs[1].Name != "fast" {
		t.Errorf("runs %+v", cmp.Runs)
	}
	if len(cmp.Missing) != 1 || cmp.Missing[0] != "never run" {
		t.Errorf("missing %v", cmp.Missing)
	}
	last := (*sent)[len(*sent)-1]
	if !strings.Contains(last["text/html"], "not measured yet") || !strings.Contains(last["text/html"], "speed-up") {
		t.Errorf("comparison HTML:\n%s", last["text/html"])
	}
	var got Comparison
	if err := json.Unmarshal([]byte(last[display.FiguresMIME]), &got); err != nil || len(got.Runs) != 2 {
		t.Errorf("attached comparison %+v, %v", got, err)
	}
}

func TestProgressCountsFinishedWork(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	var out strings.Builder
	t.Setenv(runstore.EnvDir, t.TempDir())
	run := Start(ctx, c, "bar", WithOutput(&out), WithProgress("get video", 8))
	burst(t, ctx, c, run, 8)
	run.Report()
	if !strings.Contains(out.String(), "8/8") {
		t.Errorf("the progress bar never reached 8/8:\n%q", out.String())
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		in   videoapi.EndpointStats
		want string
	}{
		{videoapi.EndpointStats{Served: 4, PeakInFlight: 1}, "4 answered, at most 1 at once"},
		{videoapi.EndpointStats{Served: 100, PeakInFlight: 10, PeakWaiting: 90, Degraded: 89}, "100 answered, at most 10 at once, up to 90 queued, 89 slowed down by the queue"},
		{videoapi.EndpointStats{Served: 30, PeakInFlight: 10, PeakWaiting: 20, Degraded: 19, Rejected: 70}, "30 answered, at most 10 at once, up to 20 queued, 19 slowed down by the queue, 70 turned away (503)"},
	}
	for _, tt := range tests {
		if got := describeGate(tt.in); got != tt.want {
			t.Errorf("describeGate(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGateOrder(t *testing.T) {
	res := Result{Server: map[string]videoapi.EndpointStats{"zeta": {}, "patch": {}, "video": {}, "alpha": {}, "transcript": {}}}
	if got, want := strings.Join(res.gateNames(), ","), "video,transcript,patch,alpha,zeta"; got != want {
		t.Errorf("gateNames = %s, want %s", got, want)
	}
}

func TestCPUShare(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	model := func(start, end int) timeline.Span {
		return timeline.Span{Lane: "model", Start: ms(start), End: ms(end)}
	}
	tests := []struct {
		name  string
		spans []timeline.Span
		cores int
		cpu   float64
		want  float64 // share
		note  bool
	}{
		{"one call on a quiet core", []timeline.Span{model(0, 500)}, 2, 0.5, 1, false},
		{"one call on a busy machine", []timeline.Span{model(0, 500)}, 2, 0.125, 0.25, true},
		// Four calls at once on 2 cores, each taking 1 s of wall time for
		// 0.5 s of CPU: they took turns, the cores were never idle.
		{"more calls than cores", []timeline.Span{model(0, 1000), model(0, 1000), model(0, 1000), model(0, 1000)}, 2, 2, 1, false},
		{"calls one after another", []timeline.Span{model(0, 200), model(200, 400)}, 2, 0.4, 1, false},
		{"no such work", []timeline.Span{{Lane: "get video", End: ms(100)}}, 2, 0.1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Result{CPUShare: cpuShare(tt.cpu, tt.spans, "model", tt.cores)}
			if math.Abs(res.CPUShare-tt.want) > 1e-9 || (res.busyMachine() != "") != tt.note {
				t.Errorf("share %g (want %g), note %q", res.CPUShare, tt.want, res.busyMachine())
			}
		})
	}
}

func TestCompareSaysWhenTheMachineWasBusy(t *testing.T) {
	c := Comparison{Runs: []Result{{Name: "quiet", WallSeconds: 1, CPUShare: 0.95}, {Name: "busy", WallSeconds: 2, CPUShare: 0.3}}}
	c.Notes = c.notes()
	if note := c.busyNote(); !strings.Contains(note, "in busy,") || strings.Contains(note, "quiet,") {
		t.Errorf("busyNote = %q", note)
	}
	if !strings.Contains(c.text(), "Note: in busy") || !strings.Contains(c.html(), "Note: in busy") {
		t.Error("the note is missing from the comparison")
	}
	if (Comparison{Runs: []Result{{Name: "quiet", CPUShare: 0.9}}}).busyNote() != "" {
		t.Error("a quiet run got a note")
	}
}

// A server that does not answer does not end the program: the run measures
// what it can and its report says why the server's figures are missing.
func TestStartWithoutAServer(t *testing.T) {
	t.Setenv(runstore.EnvDir, t.TempDir())
	c := videoapi.New("http://127.0.0.1:1")
	var out strings.Builder
	run := Start(context.Background(), c, "no server", WithOutput(&out), WithProgress("get video", 1))
	if run.Err() == nil {
		t.Fatal("Err() is nil after Start against a closed port")
	}
	run.Begin("get video", "a")()
	res := run.Report()
	if res.Error == "" || len(res.Server) != 0 || res.Steps[0].Count != 1 {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(out.String(), "cannot reset the server's counters") {
		t.Errorf("the report does not say what went wrong:\n%s", out.String())
	}
}

// asClone makes the test run as a cell of the notebooks folder of one clone
// of the workshop, with the user's cache in cache and runs kept where the
// workshop keeps them by default.
func asClone(t *testing.T, cache, clone string) {
	t.Helper()
	t.Setenv(runstore.EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv(runstore.EnvNotebookDir, filepath.Join(clone, "notebooks"))
}

// measureRun measures n video fetches, one at a time, as a run called name.
func measureRun(t *testing.T, c *videoapi.Client, name string, n int) Result {
	t.Helper()
	ctx := context.Background()
	run := Start(ctx, c, name, WithOutput(io.Discard))
	ids, err := c.ListIDs(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		end := run.Begin("get video", id)
		_, err := c.Video(ctx, id)
		end()
		if err != nil {
			t.Fatal(err)
		}
	}
	return run.Report()
}

// Two clones of the workshop keep their runs apart: Compare in one never
// shows the other's run of the same name.
func TestCompareKeepsClonesApart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the user cache is found through $XDG_CACHE_HOME on Linux only, not on %s", runtime.GOOS)
	}
	c := client(t)
	captureNotebook(t)
	cache, root := t.TempDir(), t.TempDir()
	clone1, clone2 := filepath.Join(root, "clone1"), filepath.Join(root, "clone2")
	t.Setenv(workload.EnvVideos, "")

	asClone(t, cache, clone1)
	measureRun(t, c, "sync", 4)
	asClone(t, cache, clone2)
	measureRun(t, c, "sync", 2)
	if cmp := Compare("sync"); len(cmp.Runs) != 1 || cmp.Runs[0].Items != 2 {
		t.Errorf("clone 2 compares %+v, want its own run of 2 items", cmp.Runs)
	}
	asClone(t, cache, clone1)
	if cmp := Compare("sync", "final"); len(cmp.Runs) != 1 || cmp.Runs[0].Items != 4 || len(cmp.Missing) != 1 {
		t.Errorf("clone 1 compares %+v (missing %v), want its own run of 4 items and final missing", cmp.Runs, cmp.Missing)
	}
}

// A run measured in quick mode beside one at full size is flagged, in
// words, and no speed-up is shown between runs of different sizes; runs of
// one size and mode get no note.
func TestCompareFlagsRowsThatAreNotComparable(t *testing.T) {
	c := client(t)
	sent := captureNotebook(t)
	t.Setenv(runstore.EnvDir, t.TempDir())

	t.Setenv(workload.EnvVideos, "20") // quick mode, as %env WORKSHOP_VIDEOS=20
	quick := measureRun(t, c, "sync", 3)
	t.Setenv(workload.EnvVideos, "")
	full := measureRun(t, c, "final", 5)
	if quick.Mode != ModeQuick || quick.Videos != 20 || quick.Items != 3 || full.Mode != ModeFull || full.Videos != workload.DefaultVideos || full.Items != 5 {
		t.Fatalf("runs recorded as %+v and %+v", quick, full)
	}

	cmp := Compare("sync", "final")
	notes := strings.Join(cmp.Notes, "\n")
	for _, want := range []string{"different numbers of items (3 items: sync; 5 items: final)", "quick mode", "quick: sync; full: final"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if cmp.speedup(1) != "n/a" {
		t.Errorf("speed-up between 3 and 5 items shown as %q", cmp.speedup(1))
	}
	last := (*sent)[len(*sent)-1]
	var attached Comparison
	if err := json.Unmarshal([]byte(last[display.FiguresMIME]), &attached); err != nil || len(attached.Notes) != 2 {
		t.Errorf("attached notes %q (%v), want 2", attached.Notes, err)
	}
	if !strings.Contains(last["text/html"], "Not comparable: some runs were measured in quick mode") || !strings.Contains(last["text/html"], ">quick<") {
		t.Errorf("the comparison's HTML does not say so:\n%s", last["text/html"])
	}

	measureRun(t, c, "sync", 5)
	if cmp := Compare("sync", "final"); len(cmp.Notes) != 0 || cmp.speedup(1) == "n/a" {
		t.Errorf("runs of one size and mode: notes %q, speed-up %q", cmp.Notes, cmp.speedup(1))
	}
}

// TestStartOnTheRoomsServer: on a server the room shares, whose counters
// only its host resets, a run still measures without an error and says
// that the server's figures are everyone's.
func TestStartOnTheRoomsServer(t *testing.T) {
	t.Setenv(runstore.EnvDir, t.TempDir())
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0.02
	cfg.Videos = 40
	cfg.Shared = true // over TCP nobody is its host: every reset is refused
	srv := servertest.Start(t, cfg)
	c := videoapi.New(srv.URL)
	t.Cleanup(c.CloseIdleConnections)
	if err := c.ResetStats(context.Background()); !videoapi.IsHostOnly(err) {
		t.Fatalf("ResetStats on the room's server = %v, want a refusal IsHostOnly reports", err)
	}
	var out strings.Builder
	run := Start(context.Background(), c, "room", WithOutput(&out))
	if run.Err() != nil {
		t.Fatalf("Err() = %v on the room's server", run.Err())
	}
	burst(t, context.Background(), c, run, 5)
	res := run.Report()
	if res.Error != "" || res.Room != RoomNote || res.Server["video"].Served != 5 {
		t.Errorf("result: error %q, room %q, video gate %+v; want no error, the room's note, 5 served", res.Error, res.Room, res.Server["video"])
	}
	if !strings.Contains(out.String(), RoomNote) {
		t.Errorf("the report does not say the figures are the room's:\n%s", out.String())
	}
}

// A run's report says other programs took the cores whenever its own
// measurement says so: its computing work got much less than the cores it
// could use, or other programs kept a quarter of a core or more busy while
// it ran, however many cores the work itself got.
func TestOtherProgramsNote(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		note string // a part of the note, "" for none
		busy bool
	}{
		{"quiet", Result{CPUShare: 0.95, OtherCores: 0.05}, "", false},
		{"not a computing run", Result{}, "", false},
		{"work got too little", Result{CPUShare: 0.5}, "got only 50% of the cores it could use", true},
		{"others busy beside a full share", Result{CPUShare: 0.9, OtherCores: 1}, "(1.0 cores busy with them on average)", true},
		{"others just below the bar", Result{CPUShare: 0.9, OtherCores: 0.2}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			note := tt.res.busyMachine()
			if tt.res.MachineBusy() != tt.busy || (tt.note == "") != (note == "") || !strings.Contains(note, tt.note) {
				t.Errorf("MachineBusy %v (want %v), note %q (want one with %q)", tt.res.MachineBusy(), tt.busy, note, tt.note)
			}
			if note != "" && !strings.Contains(note, "other programs were using this machine's cores") {
				t.Errorf("the note %q does not say that other programs used the cores", note)
			}
		})
	}
	if got := otherCores(3, 1, 2); math.Abs(got-1) > 1e-9 {
		t.Errorf("otherCores(3 s busy, 1 s ours, 2 s) = %g, want 1", got)
	}
	if got := otherCores(0.9, 1, 2); got != 0 {
		t.Errorf("otherCores with more CPU of ours than the machine counted = %g, want 0", got)
	}
}

// A computing run measures the cores other programs used while it ran.
func TestOtherCoresMeasured(t *testing.T) {
	_, counters := cpustat.ReadMachine() // Linux's /proc/stat; elsewhere OtherCores stays 0
	t.Setenv(runstore.EnvDir, t.TempDir())
	c := client(t)
	run := Start(context.Background(), c, "spin", WithOutput(io.Discard), WithCPUWork("model"))
	end := run.Begin("model", "1")
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
	}
	end()
	res := run.Result()
	if res.OtherCores < 0 || res.OtherCores > float64(runtime.NumCPU()) || !counters && res.OtherCores != 0 {
		t.Errorf("OtherCores = %g on %d cores (machine counters readable: %v)", res.OtherCores, runtime.NumCPU(), counters)
	}
}

// Best reports the fastest of its tries, with every try's wall time, and
// keeps it for Compare.
func TestBest(t *testing.T) {
	t.Setenv(runstore.EnvDir, t.TempDir())
	c := client(t)
	sleeps := []time.Duration{60 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	var out strings.Builder
	i := 0
	res := Best(len(sleeps), func() *Run {
		run := Start(context.Background(), c, "sleep", WithOutput(&out))
		end := run.Begin("sleep", fmt.Sprint(i))
		time.Sleep(sleeps[i])
		end()
		i++
		return run
	})
	// The tries' own times decide, not a number of seconds: on a busy
	// machine a 20 ms sleep can take much longer.
	if len(res.Tries) != 3 || res.WallSeconds != slices.Min(res.Tries) {
		t.Errorf("Best: wall %g s, tries %v; want the fastest of 3", res.WallSeconds, res.Tries)
	}
	if !strings.Contains(out.String(), "the fastest of 3 tries (") {
		t.Errorf("the report does not say it shows the fastest try:\n%s", out.String())
	}
	if kept, ok := Load("sleep"); !ok || kept.WallSeconds != res.WallSeconds {
		t.Errorf("Load(sleep) = %+v, %v; want the fastest try kept", kept, ok)
	}
}

// The CPU line shows only for a run long enough for it to mean something,
// and busy enough to have something to show.
func TestCPULineShows(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		want bool
	}{
		{"a run that computed", Result{WallSeconds: 2, CPUSeconds: 3.5, Cores: 2}, true},
		{"a run that mostly waited", Result{WallSeconds: 2, CPUSeconds: 0.1, Cores: 2}, false},
		{"a run that mostly waited, with computing work", Result{WallSeconds: 60, CPUSeconds: 7, Cores: 2, CPUShare: 0.9}, true},
		{"a run of a few milliseconds, with computing work", Result{WallSeconds: 0.004, CPUSeconds: 0.003, Cores: 2, CPUShare: 0.9}, false},
		{"a run of a few milliseconds", Result{WallSeconds: 0.004, CPUSeconds: 0.009, Cores: 2}, false},
		{"an empty run", Result{Cores: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(tt.res.Text(), "cores busy"); got != tt.want {
				t.Errorf("CPU line shown: %v, want %v:\n%s", got, tt.want, tt.res.Text())
			}
		})
	}
}
