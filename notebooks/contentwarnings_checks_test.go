package notebooks

import (
	"strconv"
	"strings"
	"testing"
)

// Server gate capacities and the final version's limits, as the
// content-warnings notebooks use them.
const (
	cwVideoGateSlots  = 10 // slots of the server's video gate
	cwVideoLimit      = 5  // video GETs the final version allows in flight
	cwTranscriptLimit = 10 // transcript GETs the final version allows in flight
)

func init() {
	register("02_content_warnings_sync", checkContentWarningsSync)
	register("03_content_warnings_goroutines_attempt", checkContentWarningsAttempt)
	register("04_content_warnings_final", checkContentWarningsFinal)
}

// checkContentWarningsSync: the sync loop processed every video one request
// and one model at a time, flagged exactly the right videos, and the
// exercise's test passed.
func checkContentWarningsSync(t *testing.T, nb *Executed) {
	checkRun(t, nb, "sync")
	if got := nb.Number(t, "sync", "video_peak_in_flight"); got != 1 {
		t.Errorf("sync run had %v video requests in flight at once, want 1", got)
	}
	if got := nb.Number(t, "sync", "transcript_peak_in_flight"); got != 1 {
		t.Errorf("sync run had %v transcript requests in flight at once, want 1", got)
	}
	if got := nb.Number(t, "sync", "model_peak"); got != 1 {
		t.Errorf("sync run had %v models running at once, want 1", got)
	}
	if got := nb.Number(t, "sync", "video_peak_waiting"); got != 0 {
		t.Errorf("sync run made %v video requests wait in the server, want 0", got)
	}
	if cpu := nb.Number(t, "model_call", "cpu"); cwModelWork() > 0 && cpu <= 0 {
		t.Errorf("one model call used %vs of CPU, want more than 0", cpu)
	}
	checkExercise(t, nb, "TestFetchBoth")
}

// checkContentWarningsAttempt: one goroutine per video overloaded the server
// (requests queued in the video gate), ran many models at once, was still
// correct, and the heartbeat kept ticking next to a single model.
//
// Whether every video is saved depends on the machine: on a small one, saves
// can fail for lack of CPU time (connections closed or dials timed out while
// a hundred models held the cores). Then the notebook must say so: every
// failure a transport error (the server never answered with an error), and
// the verification must notice the unsaved videos.
func checkContentWarningsAttempt(t *testing.T, nb *Executed) {
	if f, failed := nb.Results()["attempt_failures"]; failed {
		checkSummary(t, nb, "attempt")
		if f["failed"] == "0" || f["transport"] != f["failed"] {
			t.Errorf("attempt failures %v: want only transport errors, at least one", f)
		}
		if v := nb.Results()["verify"]; v == nil || v["ok"] != "false" {
			t.Errorf("attempt: %s videos failed but the verification says %v, want ok=false", f["failed"], v)
		}
		t.Logf("attempt: %s of %d videos failed with transport errors (CPU starvation)", f["failed"], cwVideos())
	} else {
		checkRun(t, nb, "attempt")
	}
	if got := nb.Number(t, "attempt", "video_peak_in_flight"); got <= 1 {
		t.Errorf("attempt had %v video requests in flight at once, want more than 1", got)
	}
	if cwVideos() > cwVideoGateSlots {
		waiting := nb.Number(t, "attempt", "video_peak_waiting")
		degraded := nb.Number(t, "attempt", "video_degraded")
		if waiting == 0 && degraded == 0 {
			t.Errorf("attempt with %d videos left the video gate unqueued (peak_waiting=0, degraded=0), want the overload to show", cwVideos())
		}
	}
	if cwModelWork() > 0 {
		if got := nb.Number(t, "attempt", "model_peak"); got < 2 {
			t.Errorf("attempt ran at most %v models at once, want several", got)
		}
		ticks := nb.Number(t, "heartbeat_one_model", "ticks")
		expected := nb.Number(t, "heartbeat_one_model", "expected")
		if ticks < 1 || ticks < expected/4 {
			t.Errorf("the heartbeat ticked %v of %v times next to one model, want at least a quarter: CPU work froze other goroutines", ticks, expected)
		}
	}
	checkPushback(t, nb)
	checkExercise(t, nb, "TestProcessAllLimited")
}

// checkPushback: the second server, capped at 20 waiting requests, answered
// the burst of 100 with slots for 10, a queue for 20 and 503s with a
// Retry-After for most of the rest, and counted them.
func checkPushback(t *testing.T, nb *Executed) {
	requests := nb.Number(t, "pushback", "requests")
	ok := nb.Number(t, "pushback", "ok")
	rejected := nb.Number(t, "pushback", "rejected")
	if ok+rejected != requests || requests != 100 {
		t.Errorf("pushback: %v answered + %v rejected, want all of 100 requests", ok, rejected)
	}
	if counted := nb.Number(t, "pushback", "server_rejected"); counted != rejected {
		t.Errorf("pushback: the client saw %v 503s, the server counted %v rejected", rejected, counted)
	}
	// 10 slots and 20 waiting are always served; what arrives while they
	// hold (200 ms and more) is turned away.
	if ok < 30 || rejected < 50 {
		t.Errorf("pushback: %v answered, %v rejected; want at least 30 answered and most of the other 70 rejected", ok, rejected)
	}
	if ra := nb.Number(t, "pushback", "retry_after"); ra < 1 {
		t.Errorf("pushback: Retry-After %vs, want the server's suggestion (at least 1s)", ra)
	}
}

// checkContentWarningsFinal: the final version kept within its limits, never
// made the server queue, ran at most one model per core, was correct, and in
// the in-notebook comparison every version was right and final beat sync.
func checkContentWarningsFinal(t *testing.T, nb *Executed) {
	checkRun(t, nb, "final")
	limits := []struct {
		key  string
		most float64
	}{
		{"video_peak_in_flight", cwVideoLimit},
		{"transcript_peak_in_flight", cwTranscriptLimit},
		{"video_peak_waiting", 0},
		{"transcript_peak_waiting", 0},
		{"video_degraded", 0},
		{"transcript_degraded", 0},
		{"model_peak", nb.Number(t, "final_bounds", "cores")},
	}
	for _, l := range limits {
		if got := nb.Number(t, "final", l.key); got > l.most {
			t.Errorf("final run: %s=%v, want at most %v", l.key, got, l.most)
		}
	}
	if got := nb.Number(t, "final", "video_peak_in_flight"); cwVideos() > 1 && got < 2 {
		t.Errorf("final run had %v video requests in flight at once, want concurrency", got)
	}

	for _, table := range []string{"cpu", "io"} {
		for _, mode := range []string{"sync", "attempt", "final"} {
			name := table + "_" + mode
			if r := nb.Results()[name]; r == nil || r["right"] != "true" {
				t.Errorf("comparison %s: want right=true, got %v", name, r)
			}
		}
	}
	if s, f := nb.Number(t, "io_sync", "wall"), nb.Number(t, "io_final", "wall"); f >= s {
		t.Errorf("I/O-bound comparison: final took %vs, sync %vs; want final faster", f, s)
	}
	if got := nb.Number(t, "io_final", "video_peak_waiting"); got != 0 {
		t.Errorf("I/O-bound comparison: final made %v video requests wait, want 0", got)
	}
	if cwVideos() > cwVideoGateSlots {
		if got := nb.Number(t, "io_attempt", "video_peak_waiting"); got == 0 {
			t.Errorf("I/O-bound comparison: attempt with %d videos made no request wait, want the overload to show", cwVideos())
		}
	}
	checkExercise(t, nb, "TestRetry")
}

// checkSummary finds the summary line of mode and checks its number of
// videos; it returns the line's fields.
func checkSummary(t *testing.T, nb *Executed, mode string) map[string]string {
	t.Helper()
	var summary map[string]string
	for _, s := range nb.Summaries() {
		if s["mode"] == mode {
			summary = s
		}
	}
	if summary == nil {
		t.Fatalf("%s: no `summary: mode=%s ...` line printed (summaries: %v)", nb.Name, mode, nb.Summaries())
	}
	if got := summary["videos"]; got != strconv.Itoa(cwVideos()) {
		t.Errorf("%s: summary videos=%s, want WORKSHOP_VIDEOS=%d", nb.Name, got, cwVideos())
	}
	return summary
}

// checkRun checks the run's summary line (see checkSummary) and its
// verification line: ok, and the flagged count equal to the answer key's and
// to the summary's.
func checkRun(t *testing.T, nb *Executed, mode string) {
	t.Helper()
	summary := checkSummary(t, nb, mode)
	v, ok := nb.Results()["verify"]
	if !ok {
		t.Fatalf("%s: no `result: verify ...` line printed", nb.Name)
	}
	if v["ok"] != "true" {
		t.Errorf("%s: verification failed: %v", nb.Name, v)
	}
	if v["flagged"] != v["expected"] {
		t.Errorf("%s: flagged %s videos, the answer key has %s", nb.Name, v["flagged"], v["expected"])
	}
	if v["flagged"] != summary["flagged"] {
		t.Errorf("%s: verify saw flagged=%s, the summary says flagged=%s", nb.Name, v["flagged"], summary["flagged"])
	}
	if n, err := strconv.Atoi(v["expected"]); err != nil || n < 0 || n > cwVideos() {
		t.Errorf("%s: answer key count %q is not within 0..%d", nb.Name, v["expected"], cwVideos())
	}
}

// checkExercise makes sure the exercise's test ran and passed (a failure is
// already reported by the harness as a problem line).
func checkExercise(t *testing.T, nb *Executed, test string) {
	t.Helper()
	if !strings.Contains(nb.Text(), "--- PASS: "+test) {
		t.Errorf("%s: the exercise test %s did not report a pass", nb.Name, test)
	}
}

// cwVideos and cwModelWork are the WORKSHOP_VIDEOS and WORKSHOP_MODEL_WORK the
// harness gave the notebooks.
func cwVideos() int    { return currentSettings().videos }
func cwModelWork() int { return currentSettings().modelWork }
