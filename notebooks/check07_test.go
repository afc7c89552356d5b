package notebooks

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/lessons"
	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
)

func init() {
	register("07_pitfalls", checkPitfalls, computes, wrong("the whole goroutine under the lock: no race, but the checks run one at a time", `import "slices"

// checked is what checkAll found.
type checked struct {
	Count   int
	Flagged []string
}

// checkAll checks every transcript in its own goroutine.
func checkAll(transcripts map[string]string) checked {
	var result checked
	var mu sync.Mutex
	var wg sync.WaitGroup
	for id, text := range transcripts {
		wg.Go(func() {
			mu.Lock()
			defer mu.Unlock()
			result.Count++
			if mentionsNASA(text) {
				result.Flagged = append(result.Flagged, id)
			}
		})
	}
	wg.Wait()
	slices.Sort(result.Flagged)
	return result
}`, "checkAll checked one transcript at a time"))
}

// checkPitfalls: each mistake really happened and was reported, and each
// fix really fixed it. The race detector reported the racy counter (in a
// separate process, exit status 66) and stayed quiet on the atomic one, which
// counted every view; the leaky "first answer" left two goroutines per call,
// the buffered one none; the runtime stopped the deadlocked copy; a panic in
// one goroutine stopped its copy before the end, and recover turned it into
// an error; the deadline cut a call short; errgroup's first error skipped or
// interrupted the calls after it; CPU work gained nothing on one core and no
// more than the cores on all, while waiting work overlapped on one core.
func checkPitfalls(t *testing.T, nb *ipynb.Notebook) {
	requireText(t, nb, "server is up")
	p := pitfalls{t, nb}
	p.race()
	p.leak()
	p.crashes()
	p.cancellation()
	p.cpu()
}

// pitfalls holds the check of notebook 07, section by section.
type pitfalls struct {
	t  *testing.T
	nb *ipynb.Notebook
}

// cell returns the text of the first cell whose output contains s, or stops
// the check.
func (p pitfalls) cell(s string) string {
	p.t.Helper()
	c := p.nb.CellPrinting(s)
	if c == nil {
		p.t.Fatalf("%s: no cell printed %q", p.nb.Name, s)
	}
	return c.Text()
}

// require fails unless text contains every one of want.
func (p pitfalls) require(what, text string, want ...string) {
	p.t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			p.t.Errorf("%s: %q is missing from:\n%s", what, w, text)
		}
	}
}

// number parses a number the notebook printed, or stops the check.
func (p pitfalls) number(s string) float64 {
	p.t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

func (p pitfalls) race() {
	race := p.cell("WARNING: DATA RACE") // the demonstration comes before the exercise's test
	p.require("the racy counter", race, "views++", "main.countViews.func1()", "views: ", "exited with status 66: the race detector found a data race")
	fixed := p.cell("views, counted atomically: ") // the racy count may come out right too: only this cell prints this
	p.require("the atomic counter", fixed, "views, counted atomically: 1000000 (want 1000000)")
	if strings.Contains(fixed, "DATA RACE") {
		p.t.Errorf("the atomic counter was reported as a race:\n%s", fixed)
	}
}

func (p pitfalls) leak() {
	counts := regexp.MustCompile(`goroutines: (\d+) before, (\d+) after 10 calls: (-?\d+) stuck for good`).FindAllStringSubmatch(p.nb.Text(), -1)
	if len(counts) != 2 {
		p.t.Fatalf("want the goroutine counts of the leaky and the fixed version, found %d", len(counts))
	}
	if leaked := p.number(counts[0][3]); leaked != 20 {
		p.t.Errorf("the leaky version left %v goroutines behind after 10 calls, want 20 (two per call)", leaked)
	}
	if leaked := p.number(counts[1][3]); leaked != 0 {
		p.t.Errorf("the fixed version left %v goroutines behind, want none", leaked)
	}
}

// crashes: the deadlock and the panic stopped their copies while the
// notebook went on; the fixes ran to their end.
func (p pitfalls) crashes() {
	deadlock := p.cell("all goroutines are asleep - deadlock!")
	p.require("the deadlock", deadlock, "[chan send]", "views <- 1", "stopped by Go's runtime (exit status 2")
	requireText(p.t, p.nb, "nobody is receiving: gave up after 100 ms")

	panicked := p.cell("panic: runtime error: slice bounds out of range [:-1]")
	p.require("the panic", panicked, "main.firstWord", "stopped by Go's runtime (exit status 2")
	if strings.Contains(panicked, "all done") {
		p.t.Errorf("the program with the panic reached its end:\n%s", panicked)
	}
	recovered := p.cell("all done; the error: recovered from a panic: runtime error: slice bounds out of range [:-1]")
	if n := strings.Count(recovered, "first word: "); n != 3 {
		p.t.Errorf("with recover, %d titles were done, want the 3 good ones:\n%s", n, recovered)
	}
}

// cancellation: the deadline cut the call short with DeadlineExceeded;
// errgroup's first error (a 404) stopped the calls after it.
func (p pitfalls) cancellation() {
	m := regexp.MustCompile(`a normal call took ([\d.]+) s; with a ([\d.]+) s deadline the call gave up after ([\d.]+) s`).FindStringSubmatch(p.nb.Text())
	if m == nil {
		p.t.Fatal("the timeout's line is missing")
	}
	normal, deadline, gaveUp := p.number(m[1]), p.number(m[2]), p.number(m[3])
	if gaveUp < deadline || gaveUp >= normal {
		p.t.Errorf("with a %.3f s deadline the call took %.3f s, want at least the deadline and less than a normal call (%.3f s)", deadline, gaveUp, normal)
	}
	requireText(p.t, p.nb, "errors.Is(err, context.DeadlineExceeded): true")

	r := mustRun(p.t, p.nb, "errgroup: first error cancels the rest")
	completed, interrupted, skipped := r.Values["completed"], r.Values["interrupted"], r.Values["skipped"]
	n := float64(settings().Videos)
	if completed+interrupted+skipped != n-1 {
		p.t.Errorf("errgroup: %v completed + %v interrupted + %v skipped, want %v (all but the failed call)", completed, interrupted, skipped, n-1)
	}
	if completed < 1 || skipped < 1 || completed >= n-1 {
		p.t.Errorf("errgroup: %v completed, %v interrupted, %v skipped of %v: want the calls before the 404 done and the later ones skipped", completed, interrupted, skipped, n)
	}
	requireText(p.t, p.nb, "g.Wait() returned the first error: video no-such-video")
	requireText(p.t, p.nb, "status 404")
}

// cpu: computing uses at most one core on GOMAXPROCS=1 and no more than the
// cores on all of them, and more goroutines than cores add nothing; waiting
// overlaps even on one core. The computing runs are judged by their CPU time
// and by upper bounds on their speed-ups: the machine is shared, so how much
// of its cores a run gets varies.
func (p pitfalls) cpu() {
	t := p.t
	seq := mustRun(t, p.nb, "model: 1 goroutine")
	perCore := mustRun(t, p.nb, "model: 1 goroutine per core")
	perCall := mustRun(t, p.nb, "model: 1 goroutine per call")
	oneCore := mustRun(t, p.nb, "model: 1 goroutine per call, GOMAXPROCS=1")
	cores := perCall.Cores
	if oneCore.Cores != 1 || cores < 1 {
		t.Fatalf("GOMAXPROCS: %d in the all-cores runs, %d in the one-core run; want 1 in the latter", cores, oneCore.Cores)
	}
	for _, r := range []measure.Result{seq, perCore, perCall, oneCore} {
		if len(r.Tries) != 3 || r.WallSeconds != slices.Min(r.Tries) {
			t.Errorf("%s: tries %v, wall %.2f s: want the fastest of 3 tries", r.Name, r.Tries, r.WallSeconds)
		}
	}
	calls := p.model(seq).Count
	if calls <= cores {
		t.Fatalf("%d calls on %d cores: one goroutine per call is not more goroutines than cores", calls, cores)
	}
	// How many calls overlap once more goroutines than cores share them
	// depends on how long a call is against the scheduler's time slice, so
	// only the limits are checked.
	for _, want := range []struct {
		r         measure.Result
		maxAtOnce int
	}{{seq, 1}, {perCore, cores}, {perCall, calls}, {oneCore, calls}} {
		if s := p.model(want.r); s.Count != calls || s.AtOnce > want.maxAtOnce {
			t.Errorf("%s: %d model calls, at most %d at once; want %d calls, at most %d at once", want.r.Name, s.Count, s.AtOnce, calls, want.maxAtOnce)
		}
	}
	// What a run can do with the cores it gets, from its CPU time: one
	// goroutine, or any number on GOMAXPROCS=1, never keeps more than one
	// core busy; any number on all cores never more than the cores; the same
	// work costs about the same CPU time however it is spread.
	if seq.CPUSeconds <= 0 || oneCore.CPUSeconds <= 0 || perCore.CPUSeconds <= 0 || perCall.CPUSeconds <= 0 {
		t.Errorf("the model runs reported no CPU time (measure reads it from getrusage on Unix)")
	}
	if b := seq.CoresBusy(); b > 1.2 {
		t.Errorf("one goroutine kept %.2f cores busy, want at most one", b)
	}
	if b := oneCore.CoresBusy(); b > 1.2 {
		t.Errorf("%d goroutines on GOMAXPROCS=1 kept %.2f cores busy, want at most one", calls, b)
	}
	if b := perCall.CoresBusy(); b > float64(cores)+0.2 {
		t.Errorf("%d goroutines kept %.2f cores busy on %d cores", calls, b, cores)
	}
	for _, r := range []measure.Result{perCore, perCall, oneCore} {
		if ratio := r.CPUSeconds / seq.CPUSeconds; ratio < 0.5 || ratio > 2 {
			t.Errorf("%s used %.2f s of CPU, one goroutine %.2f s: the same work should cost about the same", r.Name, r.CPUSeconds, seq.CPUSeconds)
		}
	}
	// Wall times, with room for a shared machine, whose other programs take
	// a varying share of the cores from run to run; compared only when every
	// run had the cores it could use.
	// The text's claims, where no run says that other programs took the
	// cores: one goroutine per core took about the time of one goroutine
	// divided by the cores (at most halfway between that and no gain), one
	// per call no less than one per core, and GOMAXPROCS=1 gained nothing
	// (less than halfway to the cores' gain).
	if !busyRuns(t, p.nb, seq, perCore, perCall, oneCore) {
		n := float64(cores)
		if r := perCore.WallSeconds / seq.WallSeconds; cores > 1 && r > (1+1/n)/2 {
			t.Errorf("one goroutine per core took %.2f of one goroutine's time on %d cores: want about 1/%d, at most %.2f", r, cores, cores, (1+1/n)/2)
		}
		if s := perCore.WallSeconds / perCall.WallSeconds; s > 1.3 {
			t.Errorf("one goroutine per call was %.1fx faster than one per core: more goroutines than cores should not help", s)
		}
		if s := seq.WallSeconds / oneCore.WallSeconds; s > (1+n)/2 {
			t.Errorf("computing on one core with %d goroutines was %.1fx faster than with one: want no gain", calls, s)
		}
	}
	requireText(t, p.nb, "mention NASA: ") // the exercise's function on the server's transcripts

	postsSeq := mustRun(t, p.nb, "posts: 1 goroutine, GOMAXPROCS=1")
	postsAll := mustRun(t, p.nb, "posts: 1 goroutine per call, GOMAXPROCS=1")
	if postsSeq.Cores != 1 || postsAll.Cores != 1 {
		t.Errorf("the posts ran with GOMAXPROCS %d and %d, want 1", postsSeq.Cores, postsAll.Cores)
	}
	if peak := postsAll.Server["posts"].PeakInFlight; peak != calls {
		t.Errorf("all at once on one core: the server saw at most %d posts requests at once, want %d", peak, calls)
	}
	if s := postsSeq.WallSeconds / postsAll.WallSeconds; s < float64(calls)/2 {
		t.Errorf("waiting with %d goroutines on one core was only %.1fx faster than with one, want about %dx", calls, s, calls)
	}
}

// model returns the summary of a run's model calls, or stops the check.
func (p pitfalls) model(r measure.Result) measure.Step {
	p.t.Helper()
	s, ok := r.Step("model")
	if !ok {
		p.t.Fatalf("%s: no model calls on its timeline", r.Name)
	}
	return s
}

// busyNote is what a run's report says when other programs took the cores
// while it computed (lessons.Busy).
const busyNote = "other programs were using this machine's cores"

// busyRuns reports whether other programs took the cores while any of the
// runs computed, by their own CPU share. Then their wall times say nothing
// about the work, and the check requires that the notebook said so.
func busyRuns(t *testing.T, nb *ipynb.Notebook, runs ...measure.Result) bool {
	t.Helper()
	for _, r := range runs {
		if lessons.Busy(r) {
			t.Logf("%s computed with %.0f%% of the cores it could use: its wall time is not compared", r.Name, 100*r.CPUShare)
			requireText(t, nb, busyNote)
			return true
		}
	}
	return false
}
