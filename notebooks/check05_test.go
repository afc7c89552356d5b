package notebooks

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
)

func init() {
	register("05_channel_queues", checkChannelQueues, wrong("a broker without a lock: right values from one goroutine, a data race from several", `// subscriberBuffer is how many values a subscriber may fall behind.
const subscriberBuffer = 8

// Broker delivers every published value to every subscriber, in order.
type Broker[T any] struct {
	subs   []chan T
	closed bool
}

// NewBroker returns a broker without subscribers.
func NewBroker[T any]() *Broker[T] {
	return &Broker[T]{}
}

// Subscribe returns a channel that receives every value published from now on.
func (b *Broker[T]) Subscribe() <-chan T {
	ch := make(chan T, subscriberBuffer)
	if b.closed {
		close(ch)
		return ch
	}
	b.subs = append(b.subs, ch)
	return ch
}

// Publish delivers v to every subscriber.
func (b *Broker[T]) Publish(v T) {
	if b.closed {
		return
	}
	for _, ch := range b.subs {
		ch <- v
	}
}

// Close closes every subscriber's channel.
func (b *Broker[T]) Close() {
	if b.closed {
		return
	}
	b.closed = true
	for _, ch := range b.subs {
		close(ch)
	}
}`, "race detected during execution of test"))
}

// checkChannelQueues: the worker pool keeps exactly its 4 workers busy and
// is a concurrency limit; a program that forgets to wait loses work; futures
// come back in submission order; the pipeline's stages are each bounded and
// run at the same time; the weather feed stops by itself on its deadline; a
// channel splits values between receivers while a broadcaster gives each
// subscriber all of them, and a slow subscriber either holds everyone up or
// misses values.
func checkChannelQueues(t *testing.T, nb *ipynb.Notebook) {
	requireText(t, nb, "server is up at ")
	text := nb.Text()
	// Helpers kept local, so that no other notebook's check can clash with them.
	atoi := func(s string) int { // printed digits, -1 for anything else
		n, err := strconv.Atoi(s)
		if err != nil {
			return -1
		}
		return n
	}
	step := func(run measure.Result, lane string) measure.Step {
		t.Helper()
		s, ok := run.Step(lane)
		if !ok {
			t.Fatalf("%s: no work called %q (steps %+v)", run.Name, lane, run.Steps)
		}
		return s
	}
	printedInts := func(prefix string) []int { // the Go slice printed after prefix: "consumer A got [1 3 4]"
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(prefix) + ` \[([\d ]*)\]$`).FindStringSubmatch(text)
		if m == nil {
			t.Errorf("no line %q [...] in the outputs", prefix)
			return nil
		}
		var out []int
		for _, f := range strings.Fields(m[1]) {
			out = append(out, atoi(f))
		}
		return out
	}

	// The worker pool: 4 at once, nothing queued, every worker busy, and the
	// wall time of n/4 rounds of one answer.
	pool := mustRun(t, nb, "worker pool")
	v := pool.Server["video"]
	served := 0
	var busy float64
	for w := 1; w <= 4; w++ {
		s, ok := pool.Step(fmt.Sprintf("worker %d", w))
		if !ok || s.Count == 0 || s.AtOnce != 1 {
			t.Errorf("worker pool: worker %d did %+v, want some jobs, one at a time", w, s)
		}
		served += s.Count
		busy += s.MeanSeconds * float64(s.Count)
	}
	if len(pool.Steps) != 4 || v.PeakInFlight != 4 || v.PeakWaiting != 0 || v.Degraded != 0 || v.Served != served {
		t.Errorf("worker pool: server saw %+v with %d lanes and %d jobs, want the 4 workers' %d answers, 4 at once, none queued", v, len(pool.Steps), served, served)
	}
	if rounds := busy / 4; pool.WallSeconds < 0.9*rounds || pool.WallSeconds > 1.5*rounds {
		t.Errorf("worker pool took %.2fs, but 4 workers busy all the time would take %.2fs", pool.WallSeconds, rounds)
	}

	// Without the join, main returns before the last answers arrive.
	if m := regexp.MustCompile(`main returns now, with (\d+) of (\d+) videos fetched`).FindStringSubmatch(text); m == nil {
		t.Error("the pool without a join printed nothing")
	} else if atoi(m[1]) >= atoi(m[2]) {
		t.Errorf("without a join, main returned with %s of %s videos fetched: want some lost", m[1], m[2])
	}

	// Shared data: an atomic counts, a mutex guards a map.
	requireText(t, nb, "fetched 20 videos; the book holds 20 titles")

	// The exercise's broker carries the weather feed once it works; on the
	// untouched notebook, the cell says so instead of hanging.
	requireText(t, nb, "the subscribers' loops have not ended 3 s after Close: finish the broker above first")

	// Futures are awaited in submission order.
	futures := regexp.MustCompile(`(?m)^future #(\d+): `).FindAllStringSubmatch(text, -1)
	if len(futures) != 8 {
		t.Errorf("%d futures were awaited, want 8", len(futures))
	}
	for i, f := range futures {
		if atoi(f[1]) != i+1 {
			t.Errorf("future #%s printed in position %d: want submission order", f[1], i+1)
		}
	}

	// The pipeline: each endpoint within its stage's 5 goroutines, nothing
	// queued, and the stages overlapping in time.
	pipe := mustRun(t, nb, "pipeline")
	n := pipe.Server["video"].Served
	for _, gate := range []string{"video", "transcript"} {
		s := pipe.Server[gate]
		if s.Served != n || s.PeakInFlight > 5 || s.PeakInFlight < 1 || s.PeakWaiting != 0 {
			t.Errorf("pipeline: server's %s endpoint saw %+v, want %d answers, at most 5 at once, none queued", gate, s, n)
		}
	}
	if pipe.Server["video"].PeakInFlight < 2 {
		t.Errorf("pipeline: the video stage never had 2 requests in flight (%+v)", pipe.Server["video"])
	}
	videos, okV := pipe.Step("get video")
	transcripts, okT := pipe.Step("get transcript")
	if !okV || !okT || videos.Count != n || transcripts.Count != n {
		t.Fatalf("pipeline: steps %+v, want %d videos and %d transcripts", pipe.Steps, n, n)
	}
	if transcripts.FirstEndSeconds >= videos.LastEndSeconds {
		t.Errorf("pipeline: the first transcript came at %.2fs, after the last video (%.2fs): the stages did not overlap", transcripts.FirstEndSeconds, videos.LastEndSeconds)
	}
	if _, ok := pipe.Values["transcripts that mention NASA"]; !ok {
		t.Error("pipeline: the count of transcripts that mention NASA is missing")
	}

	// Pub/sub: three producers ticking, the consumer printing every reading,
	// and the run ending by itself.
	weather := mustRun(t, nb, "weather")
	for _, c := range []string{"Kiel", "Berlin", "München"} {
		if s, ok := weather.Step(c); !ok || s.Count < 3 {
			t.Errorf("weather: %s fetched %+v, want a reading about every second for 3.5 s", c, s)
		}
	}
	printed := len(regexp.MustCompile(`(?m)^ *\d+\.\d s  (Kiel|Berlin|München): -?\d+\.\d °C :: `).FindAllString(text, -1))
	if w := weather.Server["weather"]; printed < w.Served-3 || printed > w.Served || w.PeakInFlight > 3 {
		t.Errorf("weather: the consumer printed %d readings, the server answered %+v", printed, w)
	}
	// The run ends when its context's deadline (in the cell's code) stops
	// the producers: not before, and not long after.
	deadline := regexp.MustCompile(`context\.WithTimeout\(ctx, (\d+) ?\* ?time\.Millisecond\)`).FindStringSubmatch(weatherCell(t, nb))
	if deadline == nil {
		t.Fatal("weather: no context.WithTimeout(ctx, N*time.Millisecond) in the weather cell's code")
	}
	if d := float64(atoi(deadline[1])) / 1000; weather.WallSeconds < 0.95*d || weather.WallSeconds > 1.5*d {
		t.Errorf("weather: the run took %.1fs, want it to end on its %.1f s deadline", weather.WallSeconds, d)
	}
	if w := weather.Server["weather"]; w.Served > 3*(int(float64(atoi(deadline[1]))/1000)+1) {
		t.Errorf("weather: the server answered %d readings, more than 3 producers ticking every second fit before the deadline", w.Served)
	}

	// A channel splits the values between two consumers.
	a, b := printedInts("consumer A got"), printedInts("consumer B got")
	all := slices.Sorted(slices.Values(append(slices.Clone(a), b...)))
	if len(a) == 0 || len(b) == 0 || !slices.Equal(all, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Errorf("two consumers on one channel got %v and %v: want 1..10 split between them, each value once", a, b)
	}

	// Broadcast: waiting for everyone delivers everything at the slow one's
	// pace; dropping lets the fast one keep up and the slow one miss values.
	waits := mustRun(t, nb, "broadcast, everyone waits")
	wFast, wSlow := step(waits, "fast subscriber"), step(waits, "slow subscriber")
	if wFast.Count != 20 || wSlow.Count != 20 {
		t.Errorf("broadcast, everyone waits: subscribers got %d and %d values, want 20 each", wFast.Count, wSlow.Count)
	}
	if wFast.LastEndSeconds < 0.8*wSlow.LastEndSeconds {
		t.Errorf("broadcast, everyone waits: the fast subscriber was done at %.2fs, well before the slow one (%.2fs): it was not held up", wFast.LastEndSeconds, wSlow.LastEndSeconds)
	}
	drops := mustRun(t, nb, "broadcast, slow one drops")
	dFast, dSlow := step(drops, "fast subscriber"), step(drops, "slow subscriber")
	missedFast, missedSlow := drops.Values["values the fast subscriber missed"], drops.Values["values the slow subscriber missed"]
	if dFast.Count != 20 || missedFast != 0 || dSlow.Count >= 20 || dSlow.Count+int(missedSlow) != 20 {
		t.Errorf("broadcast, slow one drops: fast got %d (missed %g), slow got %d (missed %g): want the fast one all 20, the slow one fewer, the rest missed", dFast.Count, missedFast, dSlow.Count, missedSlow)
	}
	if dFast.LastEndSeconds > 0.5*wFast.LastEndSeconds {
		t.Errorf("broadcast, slow one drops: the fast subscriber was done at %.2fs, not clearly sooner than when it had to wait (%.2fs)", dFast.LastEndSeconds, wFast.LastEndSeconds)
	}
}

// weatherCell returns the source of the cell that runs the weather feed, or
// stops the check.
func weatherCell(t *testing.T, nb *ipynb.Notebook) string {
	t.Helper()
	for _, c := range nb.Cells {
		if c.Type == "code" && strings.Contains(c.Source, `"weather"`) && strings.Contains(c.Source, "measure.Start") {
			return c.Source
		}
	}
	t.Fatal("no cell runs the weather feed (measure.Start with \"weather\")")
	return ""
}
