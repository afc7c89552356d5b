package classroom

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/nbrun"
)

// The class the test runs.
const (
	// DefaultAttendees is the class size of the test (-attendees for more).
	DefaultAttendees = 3
	// Notebook is the notebook every attendee runs, in their copy of the workshop.
	Notebook = "workshop/notebooks/01_snippets_from_the_slides.ipynb"
	// FirstNotebook is the notebook JupyterLab opens first.
	FirstNotebook = "workshop/notebooks/00_start_here.ipynb"
	// AttendeeTimeout bounds one attendee's whole session.
	AttendeeTimeout = 20 * time.Minute
)

// LatencyScale is the mock servers' latency scale: the notebook checks' own
// (nbrun.Check), which keeps the lesson's ratios while cutting its waits, and
// leaves waits long enough that a busy machine's overhead does not blur them.
var LatencyScale = strconv.FormatFloat(nbrun.Check.LatencyScale, 'g', -1, 64)

var (
	flagAttendees = flag.Int("attendees", DefaultAttendees, "attendees in the class test")
	flagNotebook  = flag.String("notebook", "", "a local .ipynb to upload into each attendee's notebooks/ and run instead of "+Notebook)
)

// session is what one attendee did and measured.
type session struct {
	Name        string
	Spawn       time.Duration // login done -> server ready
	FirstOutput time.Duration // spawn asked -> the notebook's first output
	Cells       []cellRun
	APIURL      string // VIDEO_API_URL their kernel saw
	Problems    []string
	Lesson      []string // what is wrong with the lesson, if anything
	Err         error
	attendee    *attendee // logged in, their server running
}

// pace is how an attendee works: when they start, and how long they read
// between two cells. The zero pace is everyone pressing Run All at once.
type pace struct {
	Start time.Duration // after the class starts
	Read  time.Duration // between two cells
}

// attend is one attendee's session: log in, spawn, open the notebook, run
// every cell, check the lesson on their own server, close the notebook.
func attend(ctx context.Context, h *hub, name, upload string, p pace) (s session) {
	s.Name = name
	select {
	case <-time.After(p.Start):
	case <-ctx.Done():
		s.Err = ctx.Err()
		return s
	}
	a := newAttendee(h, name)
	s.attendee = a
	if err := a.join(ctx); err != nil {
		s.Err = err
		return s
	}
	start := time.Now()
	spawn, err := a.spawn(ctx)
	if err != nil {
		s.Err = err
		return s
	}
	s.Spawn = spawn
	path := Notebook
	if upload != "" {
		if path, err = a.upload(ctx, upload); err != nil {
			s.Err = err
			return s
		}
	}
	cells, exerciseTest, err := a.fetchNotebook(ctx, path)
	if err != nil {
		s.Err = err
		return s
	}
	k, err := a.openNotebook(ctx, path)
	if err != nil {
		s.Err = err
		return s
	}
	defer func() {
		if err := k.close(context.Background()); err != nil && s.Err == nil {
			s.Err = fmt.Errorf("closing the notebook: %w", err)
		}
	}()
	s.Cells, s.Err = k.runAll(ctx, cells, p.Read)
	for _, c := range s.Cells {
		if c.FirstOutput > 0 {
			s.FirstOutput = c.Started.Add(c.FirstOutput).Sub(start)
			break
		}
	}
	if s.Err != nil {
		return s
	}
	s.Problems = problems(s.Cells, exerciseTest)
	// Notebook 01's lesson (an uploaded notebook must publish the same runs).
	{
		res, err := lessonRuns(s.Cells)
		if err != nil {
			s.Lesson = []string{err.Error()}
		} else {
			s.Lesson = checkLesson(res)
			for _, r := range res {
				// A server shared with another attendee would have queued
				// their requests too: 100 at once leave at most 90 waiting.
				if w := r.Server["video"].PeakWaiting; w > 90 {
					s.Lesson = append(s.Lesson, fmt.Sprintf("%s: peak_waiting %d > 90: requests of someone else queued on this attendee's server", r.Name, w))
				}
			}
		}
	}
	env, err := k.execute(ctx, "%%\nfmt.Print(os.Getenv(\"VIDEO_API_URL\"))")
	if err != nil || len(env.Outputs) == 0 {
		s.Err = fmt.Errorf("asking the kernel for VIDEO_API_URL: %v %+v", err, env)
		return s
	}
	s.APIURL = strings.TrimSpace(env.Outputs[0].Text)
	return s
}

// upload puts a local notebook into the attendee's notebooks folder, as
// dragging a file into JupyterLab does, and returns its path.
func (a *attendee) upload(ctx context.Context, local string) (string, error) {
	raw, err := os.ReadFile(local)
	if err != nil {
		return "", err
	}
	path := "workshop/notebooks/" + filepath.Base(local)
	body := map[string]any{"type": "notebook", "format": "json", "content": json.RawMessage(raw)}
	if err := a.api(ctx, http.MethodPut, "api/contents/"+path, body, nil); err != nil {
		return "", fmt.Errorf("uploading %s: %w", local, err)
	}
	return path, nil
}

// runClass has n attendees attend the class at hub h at the same time, the
// i-th at the pace paceOf(i) (nil: all at once, no pause), and returns every
// session.
func runClass(t testing.TB, h *hub, n int, upload string, paceOf func(i int) pace) []session {
	t.Helper()
	sessions := make([]session, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := withTimeout(t, AttendeeTimeout)
			defer cancel()
			var p pace
			if paceOf != nil {
				p = paceOf(i)
			}
			sessions[i] = attend(ctx, h, fmt.Sprintf("attendee%d", i+1), upload, p)
		})
	}
	wg.Wait()
	return sessions
}

// TestClassroom runs a class: attendees log in, spawn and run notebook 01 at
// the same time, each on their own mock server; BrowserAttendees of them
// also run cells in real browsers at once; then the hub stops and leaves
// nothing running.
func TestClassroom(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a JupyterHub class with GoNB kernels and Chromium (make setup); skipped in -short (the fast layer)")
	}
	if *flagAttendees < 1 {
		t.Fatalf("-attendees must be at least 1, got %d", *flagAttendees)
	}
	upload := *flagNotebook
	if upload != "" {
		if abs, err := filepath.Abs(upload); err == nil {
			upload = abs
		}
	}
	start := time.Now()
	h := startHub(t, "VIDEO_SERVER_LATENCY_SCALE="+LatencyScale)
	sessions := runClass(t, h, *flagAttendees, upload, nil)
	t.Logf("%d attendees ran %s in %.1fs (mock servers at latency scale %s)", len(sessions), notebookName(upload), time.Since(start).Seconds(), LatencyScale)

	urls := map[string]string{}
	for _, s := range sessions {
		if s.Err != nil {
			t.Errorf("%s: %v", s.Name, s.Err)
			continue
		}
		for _, p := range s.Problems {
			t.Errorf("%s: %s", s.Name, p)
		}
		for _, l := range s.Lesson {
			t.Errorf("%s: the lesson does not hold on their server: %s", s.Name, l)
		}
		t.Logf("%s: lesson read from the %s results", s.Name, RunMIME)
		if other, dup := urls[s.APIURL]; dup || s.APIURL == "" {
			t.Errorf("%s's kernel uses VIDEO_API_URL=%q, the same as %s: every attendee needs their own server", s.Name, s.APIURL, other)
		}
		urls[s.APIURL] = s.Name
		t.Logf("%s: spawned in %.1fs, first output %.1fs after asking, %d cells, server %s", s.Name, s.Spawn.Seconds(), s.FirstOutput.Seconds(), len(s.Cells), s.APIURL)
	}
	// Some attendees also use real browsers, at the same time.
	t.Run("browsers", func(t *testing.T) {
		for _, s := range sessions[:min(BrowserAttendees, len(sessions))] {
			if s.Err != nil || s.APIURL == "" {
				continue
			}
			t.Run(s.Name, func(t *testing.T) {
				t.Parallel()
				browserCheck(t, h, s.attendee, s.APIURL)
			})
		}
	})

	// The leftover check below finds the classroom's processes by a marker
	// in their environment: while the class runs, it must see them.
	if running := leftovers(h); len(running) < 2*len(sessions) {
		t.Errorf("only %d classroom processes found while %d attendees' servers run (want at least each one's Jupyter server and mock server): %v", len(running), len(sessions), running)
	}
	// Every attack on the class, from an attendee's cell and terminal, must
	// fail, and the same attempts by the host must work; then the door, and
	// the class's life. They need three attendees whose class went well: an
	// attacker, a victim, and one the host stops.
	ready := len(sessions) >= 3
	for _, s := range sessions {
		ready = ready && s.Err == nil
	}
	t.Run("walls", func(t *testing.T) {
		if !ready {
			t.Fatalf("the walls are checked on a class of at least 3 attendees whose class went well; have %d", len(sessions))
		}
		checkWalls(t, h, sessions[0].attendee, sessions[1].Name)
	})
	t.Run("red team", func(t *testing.T) {
		if !ready {
			t.Fatalf("the red team's checks need a class of at least 3 attendees whose class went well; have %d", len(sessions))
		}
		checkRedTeam(t, h, sessions[0].attendee, sessions[1].attendee)
	})
	t.Run("door", func(t *testing.T) {
		if !ready {
			t.Fatalf("the door is checked on a class of at least 3 attendees whose class went well; have %d", len(sessions))
		}
		checkDoor(t, h, sessions)
	})
	t.Run("life", func(t *testing.T) {
		if !ready {
			t.Fatalf("the class's life is checked on a class of at least 3 attendees whose class went well; have %d", len(sessions))
		}
		var others []*attendee
		for _, s := range sessions[1 : len(sessions)-1] {
			others = append(others, s.attendee)
		}
		checkLife(t, h, sessions[0].attendee, sessions[1].attendee, others)
	})

	if t.Failed() {
		t.Logf("the hub's log: %s", h.logPath)
	}
	h.stop(t, syscall.SIGINT)
}

// notebookName is the notebook a run used, for messages.
func notebookName(upload string) string {
	if upload != "" {
		return filepath.Base(upload)
	}
	return filepath.Base(Notebook)
}
