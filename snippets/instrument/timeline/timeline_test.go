package timeline

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// fixedSpans is a small run of the content-warnings pipeline.
func fixedSpans() []Span {
	return []Span{
		{"get video", "student", ms(0), ms(200)},
		{"transcript", "student", ms(0), ms(100)},
		{"get video", "region", ms(0), ms(210)},
		{"transcript", "region", ms(0), ms(120)},
		{"model", "student", ms(200), ms(700)},
		{"model", "region", ms(210), ms(720)},
		{"save", "student", ms(700), ms(750)},
		{"save", "region", ms(720), ms(770)},
		{"get video", "a-very-long-video-identifier", ms(200), ms(400)},
		{"transcript", "a-very-long-video-identifier", ms(200), ms(300)},
		{"model", "a-very-long-video-identifier", ms(720), ms(1220)},
		{"save", "a-very-long-video-identifier", ms(1220), ms(1270)},
	}
}

// manySpans is 100 videos through four lanes, as the final pipeline records them.
func manySpans() []Span {
	var out []Span
	for i := range 100 {
		id := fmt.Sprintf("video%03d", i)
		v := ms(i / 5 * 200)
		out = append(out,
			Span{"get video", id, v, v + ms(200)},
			Span{"transcript", id, ms(i / 10 * 100), ms(i/10*100 + 100)},
			Span{"model", id, v + ms(200), v + ms(260)},
			Span{"save", id, v + ms(260), v + ms(310)},
		)
	}
	return out
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	logOf := func(color bool) func(*Recorder) string {
		return func(r *Recorder) string { var b bytes.Buffer; _ = r.WriteLog(&b, color); return b.String() }
	}
	tests := []struct {
		name   string
		render func(*Recorder) string
		spans  []Span
	}{
		{"log.golden", logOf(false), fixedSpans()},
		{"log_color.golden", logOf(true), fixedSpans()},
		{"gantt_small.golden.svg", (*Recorder).SVG, fixedSpans()},
		// 4 spans: four calls one after another.
		{"gantt_4_sequential.golden.svg", (*Recorder).SVG, sequential4()},
		// 100 spans: ten at a time (ten rows) and all at once (density).
		{"gantt_100_ten_at_a_time.golden.svg", (*Recorder).SVG, gate10()},
		{"gantt_100_at_once.golden.svg", (*Recorder).SVG, burst100()},
		// 400 spans: the content-warnings app, final and naive versions.
		{"gantt_400_final.golden.svg", func(r *Recorder) string {
			return r.RenderSVG(SVGOptions{
				Title:   "Final version: 100 videos",
				Caption: "The model runs two at a time, one per core, from start to end; the grey track shows the videos queued for it.",
			})
		}, final400()},
		{"gantt_400_attempt.golden.svg", (*Recorder).SVG, attempt400()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, tt.render(FromSpans(tt.spans)))
		})
	}
}

func TestPeak(t *testing.T) {
	tests := []struct {
		name  string
		spans []Span
		lane  string
		want  int
	}{
		{"none", nil, "a", 0},
		{"one", []Span{{"a", "1", 0, ms(10)}}, "a", 1},
		{"back to back", []Span{{"a", "1", 0, ms(10)}, {"a", "2", ms(10), ms(20)}}, "a", 1},
		{"overlap", []Span{{"a", "1", 0, ms(10)}, {"a", "2", ms(5), ms(20)}}, "a", 2},
		{"other lane ignored", []Span{{"a", "1", 0, ms(10)}, {"b", "2", 0, ms(10)}}, "a", 1},
		{"nested three", []Span{{"a", "1", 0, ms(30)}, {"a", "2", ms(1), ms(20)}, {"a", "3", ms(2), ms(3)}, {"a", "4", ms(25), ms(26)}}, "a", 3},
		{"fixed get video", fixedSpans(), "get video", 2},
		{"many get video", manySpans(), "get video", 5},
		{"many transcript", manySpans(), "transcript", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromSpans(tt.spans).Peak(tt.lane); got != tt.want {
				t.Errorf("Peak(%q) = %d, want %d", tt.lane, got, tt.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	got := FromSpans(fixedSpans()).Summary()
	want := "wall 1.27s | peak: get video 2, transcript 2, model 2, save 2"
	if got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

func TestConcurrentRecording(t *testing.T) {
	r := New()
	r.DeclareLanes("work", "wait")
	var live bytes.Buffer
	var liveMu sync.Mutex
	r.SetLive(writerFunc(func(p []byte) (int, error) { liveMu.Lock(); defer liveMu.Unlock(); return live.Write(p) }), false)
	const n = 50
	release := make(chan struct{})
	var started, wg sync.WaitGroup
	started.Add(n)
	for i := range n {
		wg.Go(func() {
			_ = r.Track("work", fmt.Sprint(i), func() error {
				started.Done()
				<-release // every span is open until all have started
				return nil
			})
			end := r.Begin("wait", fmt.Sprint(i))
			end()
			end() // idempotent
		})
	}
	started.Wait()
	close(release)
	wg.Wait()

	spans := r.Spans()
	if len(spans) != 2*n {
		t.Fatalf("%d spans, want %d", len(spans), 2*n)
	}
	if !slices.IsSortedFunc(spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) }) {
		t.Error("Spans() not sorted by start")
	}
	if got := r.Peak("work"); got != n {
		t.Errorf("Peak(work) = %d, want %d (all were open at once)", got, n)
	}
	if got := r.Lanes(); !slices.Equal(got, []string{"work", "wait"}) {
		t.Errorf("Lanes() = %v", got)
	}
	// The live log holds the same event lines as the log rendered afterwards.
	var after bytes.Buffer
	if err := r.WriteLog(&after, false); err != nil {
		t.Fatal(err)
	}
	liveLines := strings.Split(strings.TrimSpace(live.String()), "\n")
	afterLines := strings.Split(strings.TrimSpace(after.String()), "\n")
	slices.Sort(liveLines)
	slices.Sort(afterLines)
	if !slices.Equal(liveLines, afterLines) {
		t.Errorf("live log and WriteLog differ:\n%s\n---\n%s", live.String(), after.String())
	}
	if len(afterLines) != 1+4*n {
		t.Errorf("%d log lines, want %d", len(afterLines), 1+4*n)
	}
}

func TestTrackReturnsError(t *testing.T) {
	r := New()
	boom := errors.New("boom")
	if err := r.Track("a", "x", func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Track error = %v, want boom", err)
	}
	if len(r.Spans()) != 1 {
		t.Error("failed call not recorded as a span")
	}
}

func TestStopFreezesClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := New()
		time.Sleep(2 * time.Millisecond)
		r.Stop()
		e := r.Elapsed()
		time.Sleep(2 * time.Millisecond)
		if r.Elapsed() != e || e != 2*time.Millisecond {
			t.Errorf("Elapsed after Stop changed or is wrong: %v then %v, want 2ms", e, r.Elapsed())
		}
	})
}

func TestNilRecorder(t *testing.T) {
	var r *Recorder
	r.DeclareLanes("a")
	r.SetLive(os.Stdout, true)
	r.Begin("a", "b")()
	called := false
	_ = r.Track("a", "b", func() error { called = true; return nil })
	if !called || r.Spans() != nil || r.Peak("a") != 0 || r.Elapsed() != 0 || r.Summary() != "" {
		t.Error("nil recorder misbehaves")
	}
	if !strings.HasPrefix(r.SVG(), "<svg") {
		t.Error("nil recorder SVG is not an SVG")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestLaneTags(t *testing.T) {
	tests := []struct {
		lanes, want []string
	}{
		{[]string{"get video", "transcript", "model", "save"}, []string{"GV", "T", "M", "S"}},
		{[]string{"worker 1", "worker 2", "worker 12"}, []string{"W1", "W2", "W12"}},
		{[]string{"download", "decode", "draw"}, []string{"D", "D2", "D3"}},
		{[]string{"get post", "get-post", "GP", "G3"}, []string{"GP", "G2", "G", "G4"}},
		{[]string{"", "!!", "a very long lane name"}, []string{"L1", "L2", "AVL"}},
	}
	for _, tt := range tests {
		if got := laneTags(tt.lanes); !slices.Equal(got, tt.want) {
			t.Errorf("laneTags(%q) = %q, want %q", tt.lanes, got, tt.want)
		}
		// Adding lanes never changes the tags of earlier ones.
		for n := range tt.lanes {
			if got := laneTags(tt.lanes[:n]); !slices.Equal(got, tt.want[:n]) {
				t.Errorf("laneTags(%q) = %q, want %q", tt.lanes[:n], got, tt.want[:n])
			}
		}
	}
}

func TestLogZeroLengthSpan(t *testing.T) {
	var b bytes.Buffer
	_ = FromSpans([]Span{{"a", "long", 0, ms(5)}, {"a", "blip", ms(5), ms(5)}, {"a", "next", ms(5), ms(9)}}).WriteLog(&b, false)
	want := []string{"✔ long", "▶ blip", "▶ next", "✔ blip", "✔ next"}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n")[2:] {
		got = append(got, strings.TrimSpace(line[strings.Index(line, "A ")+2:]))
	}
	if !slices.Equal(got, want) {
		t.Errorf("events at 5ms: %q, want %q\n%s", got, want, b.String())
	}
}

func TestColorFor(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	devNull, err := os.Open(os.DevNull) // a character device, as a terminal is
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	tests := []struct {
		name    string
		w       io.Writer
		noColor string
		term    string
		want    bool
	}{
		{"buffer", &bytes.Buffer{}, "", "xterm", false},
		{"pipe (a notebook cell)", w, "", "xterm", false},
		{"character device", devNull, "", "xterm", true},
		{"NO_COLOR", devNull, "1", "xterm", false},
		{"dumb terminal", devNull, "", "dumb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			t.Setenv("TERM", tt.term)
			if got := ColorFor(tt.w); got != tt.want {
				t.Errorf("ColorFor = %v, want %v", got, tt.want)
			}
		})
	}
}

// A live output that blocks (a notebook that is slow to take its output)
// holds up only the goroutine writing to it: the others go on recording,
// and Stop waits until every line is written, in order.
func TestLiveOutputDoesNotHoldUpRecording(t *testing.T) {
	r := New()
	r.DeclareLanes("work")
	var out bytes.Buffer
	writing, unblock := make(chan struct{}), make(chan struct{})
	first := true
	r.SetLive(writerFunc(func(p []byte) (int, error) {
		if first {
			first = false
			close(writing)
			<-unblock
		}
		return out.Write(p)
	}), false)

	stuck := make(chan struct{})
	go func() {
		defer close(stuck)
		r.Begin("work", "a")() // writes the first line and blocks in it
	}()
	<-writing
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 10 {
			r.Begin("work", fmt.Sprint(i))()
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("recording waited for the blocked live output")
	}
	if n := len(r.Spans()); n < 10 {
		t.Errorf("%d spans recorded while the output was blocked, want at least 10", n)
	}
	close(unblock)
	<-stuck
	r.Stop()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1+2*11 {
		t.Fatalf("%d live lines after Stop, want a header and 22 events:\n%s", len(lines), out.String())
	}
	// a's end comes last: its goroutine was the one blocked writing.
	if !strings.Contains(lines[1], "▶ a") || !strings.Contains(lines[2], "▶ 0") || !strings.Contains(lines[21], "✔ 9") || !strings.Contains(lines[22], "✔ a") {
		t.Errorf("live lines out of order:\n%s", out.String())
	}
}
