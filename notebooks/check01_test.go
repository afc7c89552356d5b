package notebooks

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

func init() { register("01_snippets_from_the_slides", checkSnippets) }

// videoCapacity is the server's video gate: 10 requests at once.
const videoCapacity = 10

// checkSnippets: the talk's lesson. All at once overloads the server
// (requests queue and are slowed); 10 at a time, by semaphore or connection
// limit, never queue and finish clearly sooner; the sweep draws the V with
// its point at the capacity, on the model's line; Go's default transport
// keeps only 2 idle connections.
func checkSnippets(t *testing.T, nb *ipynb.Notebook) {
	requireText(t, nb, "server is up at ")
	if r := mustRun(t, nb, "4 in a row"); r.Server["video"].PeakInFlight != 1 || r.Server["video"].Served != 4 {
		t.Errorf("4 in a row: server saw %+v, want 4 answers one at a time", r.Server["video"])
	}

	unlimited := mustRun(t, nb, "unlimited")
	n := unlimited.Server["video"].Served
	if v := unlimited.Server["video"]; v.PeakInFlight != videoCapacity || v.PeakWaiting < n/3 || v.Degraded < n/3 {
		t.Errorf("unlimited: server saw %+v, want %d at once and many of the %d queued and slowed", v, videoCapacity, n)
	}
	for _, name := range []string{"limited", "connection limit"} {
		r := mustRun(t, nb, name)
		v := r.Server["video"]
		if r.WallSeconds > 0.7*unlimited.WallSeconds {
			t.Errorf("%s took %.2fs, not clearly faster than all at once (%.2fs)", name, r.WallSeconds, unlimited.WallSeconds)
		}
		if v.PeakInFlight > videoCapacity || v.PeakInFlight < videoCapacity/2 || v.PeakWaiting > 0 || v.Served != n {
			t.Errorf("%s: server saw %+v, want %d answers, at most %d at once, none queued", name, v, n, videoCapacity)
		}
	}

	sweep := limitsOf(t, nb)
	best := sweep.Points[0]
	for _, p := range sweep.Points {
		if p.WallSeconds < best.WallSeconds {
			best = p
		}
		// The measured point is on the model's line, give or take the
		// network and a busy machine.
		if p.WallSeconds < 0.9*p.PredictedSeconds || p.WallSeconds > 1.6*p.PredictedSeconds+0.05 {
			t.Errorf("limit %d: measured %.2fs, the model predicts %.2fs", p.Limit, p.WallSeconds, p.PredictedSeconds)
		}
	}
	if best.Limit != videoCapacity {
		t.Errorf("the fastest limit was %d, want the capacity %d (points %+v)", best.Limit, videoCapacity, sweep.Points)
	}

	m := regexp.MustCompile(`default settings: +first burst opened +(\d+) connections, second burst +(\d+)`).FindStringSubmatch(nb.Text())
	tuned := regexp.MustCompile(`MaxIdleConnsPerHost=100: first burst opened +(\d+) connections, second burst +(\d+)`).FindStringSubmatch(nb.Text())
	if m == nil || tuned == nil {
		t.Fatal("the connection counts are missing")
	}
	atoi := func(s string) int { v, _ := strconv.Atoi(s); return v }
	if atoi(m[1]) < 90 || atoi(m[2]) < 90 {
		t.Errorf("default transport opened %s then %s connections, want about 100 both times (only 2 kept idle)", m[1], m[2])
	}
	if atoi(tuned[1]) < 90 || atoi(tuned[2]) > 5 {
		t.Errorf("tuned transport opened %s then %s connections, want about 100 then none", tuned[1], tuned[2])
	}
}
