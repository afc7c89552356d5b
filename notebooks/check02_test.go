package notebooks

import (
	"regexp"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

func init() {
	register("02_content_warnings_sync", checkContentWarningsSync, computes,
		wrong("every text fetched before the loop asks", `// texts fetches every text first, like a list comprehension, then yields them.
func texts(ids []string) iter.Seq2[string, error] {
	var all []string
	var failed error
	for _, id := range ids {
		video, err := client.Video(ctx, id)
		if err != nil {
			failed = err
			break
		}
		transcript, err := client.Transcript(ctx, id)
		if err != nil {
			failed = err
			break
		}
		all = append(all, contentwarnings.Text(video, transcript))
	}
	return func(yield func(string, error) bool) {
		for _, text := range all {
			if !yield(text, nil) {
				return
			}
		}
		if failed != nil {
			yield("", failed)
		}
	}
}`, "fetch only when the loop asks"))
}

// checkContentWarningsSync: the model is CPU, the sync loop did one thing at
// a time (the server never saw two requests at once), its wall time is the
// sum of its steps, every video was saved right, the iterator fetched only
// what the loop took, and the channel producer stopped when cancelled.
func checkContentWarningsSync(t *testing.T, nb *ipynb.Notebook) {
	requireText(t, nb, "server is up at ")
	// How busy one core looks depends on what else the machine runs, so
	// only the fact is checked: the call used CPU, on at most one core.
	if call := mustRun(t, nb, "one model call"); call.CPUSeconds <= 0 || call.CoresBusy() > 1.3 {
		t.Errorf("one model call used %.3fs of CPU in %.3fs, want CPU time on one core", call.CPUSeconds, call.WallSeconds)
	}

	sync := mustRun(t, nb, "sync")
	// The text points at the sync run's CPU line: "far below one core".
	if !strings.Contains(sync.Text(), "CPU: ") || sync.CoresBusy() > 0.6 {
		t.Errorf("sync: %.2f cores busy, CPU line shown: %v; want the line, far below one core:\n%s", sync.CoresBusy(), strings.Contains(sync.Text(), "CPU: "), sync.Text())
	}
	for _, gate := range []string{"video", "transcript", "patch"} {
		if s := sync.Server[gate]; s.PeakInFlight != 1 || s.PeakWaiting != 0 || s.Degraded != 0 {
			t.Errorf("sync: server %s saw %+v, want one at a time, nothing queued", gate, s)
		}
	}
	var sum float64
	for _, lane := range []string{"get video", "transcript", "model", "save"} {
		s, ok := sync.Step(lane)
		if !ok || s.AtOnce != 1 {
			t.Errorf("sync: step %q %+v, want one at a time", lane, s)
		}
		sum += s.MeanSeconds * float64(s.Count)
	}
	if sum < 0.8*sync.WallSeconds || sum > 1.02*sync.WallSeconds {
		t.Errorf("sync: the steps add up to %.2fs of a %.2fs run, want nearly all of it (nothing overlaps)", sum, sync.WallSeconds)
	}
	if !regexp.MustCompile(`all \d+ videos carry the right warnings; \d+ flagged`).MatchString(nb.Text()) {
		t.Error("the sync run's check does not say every video carries the right warnings")
	}
	requireText(t, nb, "videos fetched by the server: 3 of ")

	text := nb.Text()
	cancelAt, stopAt := strings.Index(text, "loop: cancel()"), strings.Index(text, "producer: cancelled while holding")
	if cancelAt < 0 || stopAt < cancelAt {
		t.Error("the channel producer did not stop when, and only when, the loop cancelled it")
	}
	requireText(t, nb, "videos fetched by the server: 4\n")
}
