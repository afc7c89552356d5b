package notebooks

import (
	"strings"
	"testing"
)

// The checks of notebooks 00, 01, 05, 06 and 07. They assert what each
// notebook teaches as ratios and facts, never as absolute times, so they hold
// at any latency scale.
func init() {
	register("00_start_here", checkStartHere)
	register("01_snippets_from_the_slides", checkSnippets)
	register("05_channel_queues", checkChannelQueues)
	register("06_companion_examples", checkCompanion)
	register("07_pitfalls", checkPitfalls)
}

// checkStartHere: the server answered, declarations carried over but values
// did not, goroutines overlapped, and both %test cells passed.
func checkStartHere(t *testing.T, nb *Executed) {
	nb.RequireText(t, "server is up at ")
	nb.RequireText(t, "HELLO, GOPHER! counter = 1")
	nb.RequireText(t, "replace github.com/go-async-workshop/workshop =>")
	wall := nb.Number(t, "three_sleepers", "wall")
	sum := nb.Number(t, "three_sleepers", "sum_of_sleeps")
	if wall >= sum*0.8 {
		t.Errorf("three sleeping goroutines took %.2fs, not clearly less than the sum of their sleeps %.2fs", wall, sum)
	}
	nb.RequirePass(t, "TestShout")
	nb.RequirePass(t, "TestDouble")
}

// checkSnippets: the talk's lesson. 100 calls at once overload the server
// (requests queue and degrade); 10 at a time, by semaphore or by connection
// limit, never exceed the server's capacity and finish clearly sooner.
func checkSnippets(t *testing.T, nb *Executed) {
	nb.RequireText(t, "server is up at ")
	one := nb.Number(t, "one", "wall")
	seq := nb.Number(t, "sequential4", "wall")
	if seq < 2*one {
		t.Errorf("4 sequential calls took %.3fs, less than twice one call (%.3fs): they did not run one after the other", seq, one)
	}
	if p := nb.Number(t, "sequential4", "peak_in_flight"); p != 1 {
		t.Errorf("sequential4 peak_in_flight = %v, want 1", p)
	}

	unlimited := nb.Number(t, "unlimited100", "wall")
	if p := nb.Number(t, "unlimited100", "peak_in_flight"); p != 10 {
		t.Errorf("unlimited100 peak_in_flight = %v, want the server's capacity 10", p)
	}
	if w := nb.Number(t, "unlimited100", "peak_waiting"); w < 30 {
		t.Errorf("unlimited100 peak_waiting = %v, want many requests queued at the server", w)
	}
	if d := nb.Number(t, "unlimited100", "degraded"); d < 30 {
		t.Errorf("unlimited100 degraded = %v, want many slowed-down answers", d)
	}
	for _, name := range []string{"limited10", "maxconns10"} {
		wall := nb.Number(t, name, "wall")
		if wall > unlimited/2 {
			t.Errorf("%s took %.3fs, not clearly faster than 100 at once (%.3fs)", name, wall, unlimited)
		}
		if p := nb.Number(t, name, "peak_in_flight"); p > 10 || p < 5 {
			t.Errorf("%s peak_in_flight = %v, want between 5 and 10", name, p)
		}
		if d, ud := nb.Number(t, name, "degraded"), nb.Number(t, "unlimited100", "degraded"); d*4 > ud {
			t.Errorf("%s degraded = %v, want far fewer than 100 at once (%v)", name, d, ud)
		}
	}

	// A timeline picture for each of the four measured runs, and the summary table.
	svgs := 0
	for _, h := range nb.DisplayData("text/html") {
		if strings.Contains(h, "<svg") {
			svgs++
		}
	}
	if svgs < 4 {
		t.Errorf("%d timeline pictures displayed, want at least 4", svgs)
	}
	table := false
	for _, h := range nb.DisplayData("text/html") {
		if strings.Contains(h, "<table") && strings.Contains(h, "unlimited100") && strings.Contains(h, "maxconns10") {
			table = true
		}
	}
	if !table {
		t.Error("no summary table with every run displayed")
	}
	nb.RequirePass(t, "TestFetchLimited")
}

// checkChannelQueues: the pool kept 4 requests in flight, the pipeline
// processed every video within its per-stage bounds, the pub/sub feed
// delivered from every city and stopped on cancellation.
func checkChannelQueues(t *testing.T, nb *Executed) {
	nb.RequireText(t, "got first\ngot second\ngot third")
	if n := nb.Number(t, "pool", "posts"); n != 20 {
		t.Errorf("pool fetched %v posts, want 20", n)
	}
	if p := nb.Number(t, "pool", "peak_in_flight"); p != 4 {
		t.Errorf("pool peak_in_flight = %v, want the 4 workers", p)
	}
	if o := nb.Number(t, "pool", "overlap"); o < 2.5 {
		t.Errorf("pool overlap = %v, want close to 4 (requests in flight at once)", o)
	}
	if n := nb.Number(t, "pipeline", "videos"); n != 20 {
		t.Errorf("pipeline processed %v videos, want 20", n)
	}
	for _, k := range []string{"peak_video", "peak_transcript"} {
		if p := nb.Number(t, "pipeline", k); p < 2 || p > 5 {
			t.Errorf("pipeline %s = %v, want between 2 and the stage's 5 goroutines", k, p)
		}
	}
	if c := nb.Number(t, "weather", "cities"); c != 3 {
		t.Errorf("weather readings came from %v cities, want 3", c)
	}
	if r := nb.Number(t, "weather", "readings"); r < 6 {
		t.Errorf("weather delivered %v readings, want at least 2 per city", r)
	}
	nb.RequirePass(t, "TestMapConcurrent")
}

// checkCompanion: the waiting-bound concurrent versions beat their
// sequential ones, the tiles were fetched together and drawn as a mosaic,
// and the limited downloader respected its limit.
func checkCompanion(t *testing.T, nb *Executed) {
	for _, c := range []struct {
		name string
		min  float64
	}{
		{"sleeping", 1.5}, // 2 s -> 1 s
		{"posts", 2},      // 10 requests that only wait
		// Not the tiles: at a small latency scale (and under -race) the
		// server's CPU time drawing each tile outweighs the waiting, so only
		// their overlap is a fact there.
	} {
		if s := nb.Number(t, c.name, "speedup"); s < c.min {
			t.Errorf("%s speedup = %.2f, want above %.1f", c.name, s, c.min)
		}
	}
	if o := nb.Number(t, "tiles", "overlap"); o < 3 {
		t.Errorf("tiles overlap = %.1f, want the 20 requests in flight together (well above 3)", o)
	}
	if nb.Displays("image/png") < 1 {
		t.Error("no mosaic image (image/png) displayed")
	}
	nb.RequireText(t, "mosaic of 20 tiles: 1280x1024 pixels")
	if n := nb.Number(t, "limited_download", "tiles"); n != 40 {
		t.Errorf("limited_download fetched %v tiles, want 40", n)
	}
	limit := nb.Number(t, "limited_download", "limit")
	if p := nb.Number(t, "limited_download", "peak_in_flight"); p > limit || p < 2 {
		t.Errorf("limited_download peak_in_flight = %v, want between 2 and the limit %v", p, limit)
	}
	nb.RequirePass(t, "TestFetchPosts")
}

// checkPitfalls: each mistake really happened and was reported, and each
// fix really fixed it.
func checkPitfalls(t *testing.T, nb *Executed) {
	race := nb.CellPrinting("result: race ")
	if race == nil || !strings.Contains(race.Text(), "WARNING: DATA RACE") {
		t.Error("the race cell shows no race detector report")
	}
	fixed := nb.CellPrinting("result: race_fixed ")
	if fixed == nil || strings.Contains(fixed.Text(), "DATA RACE") {
		t.Error("the fixed counter is missing or still reported as a race")
	}
	if c, w := nb.Number(t, "race_fixed", "counter"), nb.Number(t, "race_fixed", "want"); c != w {
		t.Errorf("fixed counter = %v, want %v", c, w)
	}
	if l := nb.Number(t, "leak", "leaked"); l < 20 {
		t.Errorf("the leaky version leaked %v goroutines, want the 20 blocked senders", l)
	}
	if l := nb.Number(t, "leak_fixed", "leaked"); l != 0 {
		t.Errorf("the fixed version leaked %v goroutines, want 0 (back to the baseline)", l)
	}
	if r := nb.Results()["deadlock"]["detected"]; r != "true" {
		t.Errorf("deadlock detected=%q, want the runtime's deadlock report", r)
	}
	if r := nb.Results()["timeout"]["deadline_exceeded"]; r != "true" {
		t.Errorf("timeout deadline_exceeded=%q, want true", r)
	}
	if s := nb.Number(t, "errgroup", "status"); s != 404 {
		t.Errorf("errgroup first error status = %v, want 404", s)
	}
	if c := nb.Number(t, "errgroup", "completed"); c >= 19 {
		t.Errorf("errgroup completed %v of 20 calls: the first error cancelled nothing", c)
	}
	if s := nb.Number(t, "errgroup", "skipped") + nb.Number(t, "errgroup", "interrupted"); s < 1 {
		t.Error("errgroup: no call was skipped or interrupted after the first error")
	}
	if s := nb.Number(t, "cpu_one_core", "speedup"); s > 1.4 {
		t.Errorf("CPU-bound jobs on one core sped up %.2fx, want about 1 (no gain)", s)
	}
	if s := nb.Number(t, "sleep_one_core", "speedup"); s < 3 {
		t.Errorf("sleeping jobs on one core sped up only %.2fx, want several times", s)
	}
	nb.RequirePass(t, "TestFirstOf")
}
