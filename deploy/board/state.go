package board

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Limits of what the board keeps: its memory is bounded whatever attendees
// or the hub send.
const (
	// MaxAttendees is the most rows the board keeps; reports for names
	// beyond it are refused.
	MaxAttendees = 1000
	// MaxNotebookName bounds a notebook's name as the board shows it.
	MaxNotebookName = 80
	// DefaultStuckAfter is how long an exercise may stay red before its
	// row says "stuck".
	DefaultStuckAfter = 5 * time.Minute
)

// Exercises are the workshop's eight exercises, one per notebook, by the
// number their notebook's name starts with.
var Exercises = []Exercise{
	{"00", "start here"}, {"01", "snippets"}, {"02", "sync"}, {"03", "goroutines"},
	{"04", "final"}, {"05", "channel queues"}, {"06", "companion"}, {"07", "pitfalls"},
}

// Exercise is one exercise: its number and a short title.
type Exercise struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// namePattern accepts the names of both classrooms (the one-machine hub's
// and the Kubernetes config's username_pattern).
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,31}$`)

// ErrName is a name the board does not accept.
var ErrName = errors.New("not an attendee name")

// ErrFull is a new attendee beyond MaxAttendees.
var ErrFull = errors.New("the board is full")

// ValidName reports whether name is an attendee name the board keeps.
func ValidName(name string) bool { return namePattern.MatchString(name) }

// Server states, as the hub reports them.
const (
	SignedIn = "signed in"
	Starting = "starting"
	Running  = "running"
	Stopped  = "stopped"
)

// Result is an exercise's state for one attendee.
type Result struct {
	// State is "" (not tried), "red" or "green".
	State string `json:"state,omitempty"`
	// Since is when it last changed state (Unix milliseconds): for green,
	// the time it turned green; for red, the time it turned red.
	Since int64 `json:"since,omitempty"`
}

// Row is one attendee as the board shows them.
type Row struct {
	Name      string            `json:"name"`
	Server    string            `json:"server"`
	Notebook  string            `json:"notebook,omitempty"`
	LastCell  int64             `json:"lastCell,omitempty"` // Unix ms of the last cell run
	Exercises map[string]Result `json:"exercises"`
	Hand      int64             `json:"hand,omitempty"` // Unix ms the hand went up, 0 if down
	Stuck     bool              `json:"stuck"`
	Why       string            `json:"why,omitempty"` // why stuck: "hand" or "red 03"
	seen      bool              // the board saw their server run
}

// Total is the room's count for one exercise.
type Total struct {
	Exercise
	Green    int `json:"green"`
	Red      int `json:"red"`
	NotTried int `json:"notTried"`
}

// Snapshot is everything the board page shows at one moment.
type Snapshot struct {
	Seq        uint64  `json:"seq"`
	At         int64   `json:"at"` // Unix ms
	StuckAfter int64   `json:"stuckAfterMs"`
	Totals     []Total `json:"totals"`
	Rows       []Row   `json:"rows"`
	Stuck      int     `json:"stuck"`
}

// Report is what an attendee's Jupyter server sends: a cell ran, an
// exercise's test ended, or a hand went up or down. The attendee's name
// never comes from it: it comes from their token.
type Report struct {
	Kind     string `json:"kind"` // "cell", "test" or "hand"
	Notebook string `json:"notebook,omitempty"`
	Passed   bool   `json:"passed,omitempty"`
	Raised   bool   `json:"raised,omitempty"`
}

// exerciseOf returns the exercise of a notebook path
// (".../03_content_warnings_goroutines_attempt.ipynb" is "03").
func exerciseOf(notebook string) (string, bool) {
	base := path.Base(notebook)
	for _, e := range Exercises {
		if strings.HasPrefix(base, e.ID+"_") && strings.HasSuffix(base, ".ipynb") {
			return e.ID, true
		}
	}
	return "", false
}

// cleanNotebook returns the name the board shows for a notebook path: its
// base name, printable and bounded.
func cleanNotebook(notebook string) string {
	base := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, path.Base(notebook))
	if len(base) > MaxNotebookName {
		base = base[:MaxNotebookName]
	}
	if base == "." || base == "/" {
		return ""
	}
	return base
}

// State is the board's model of the room. Its methods are safe for
// concurrent use; every change wakes the streams (Changed).
type State struct {
	mu         sync.Mutex
	rows       map[string]*Row
	seq        uint64
	changed    chan struct{} // closed and replaced at each change
	stuckAfter time.Duration
	now        func() time.Time
}

// NewState returns an empty room.
func NewState(stuckAfter time.Duration) *State {
	if stuckAfter <= 0 {
		stuckAfter = DefaultStuckAfter
	}
	return &State{rows: map[string]*Row{}, changed: make(chan struct{}), stuckAfter: stuckAfter, now: time.Now}
}

// Changed returns a channel closed at the next change.
func (s *State) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// bump records a change; s.mu is held.
func (s *State) bump() {
	s.seq++
	close(s.changed)
	s.changed = make(chan struct{})
}

// row returns the row of name, made if new; s.mu is held.
func (s *State) row(name string) (*Row, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("%w: %q", ErrName, clip(name))
	}
	if r, ok := s.rows[name]; ok {
		return r, nil
	}
	if len(s.rows) >= MaxAttendees {
		return nil, ErrFull
	}
	r := &Row{Name: name, Server: SignedIn, Exercises: map[string]Result{}}
	s.rows[name] = r
	return r, nil
}

// Apply records an attendee's report. A bad report changes nothing.
func (s *State) Apply(name string, rep Report) error {
	ex, isExercise := exerciseOf(rep.Notebook)
	switch rep.Kind {
	case "cell", "hand":
	case "test":
		if !isExercise {
			return fmt.Errorf("%q is not one of the workshop's notebooks", clip(rep.Notebook))
		}
	default:
		return fmt.Errorf("unknown report kind %q", clip(rep.Kind))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.row(name)
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	switch rep.Kind {
	case "hand":
		if !rep.Raised {
			r.Hand = 0
		} else if r.Hand == 0 {
			r.Hand = now
		}
	case "cell", "test":
		if nb := cleanNotebook(rep.Notebook); nb != "" {
			r.Notebook = nb
		}
		r.LastCell = now
		r.seen = true
		if r.Server == SignedIn || r.Server == Stopped {
			r.Server = Running // a cell ran: the hub's next poll confirms it
		}
	}
	if rep.Kind == "test" {
		state := "red"
		if rep.Passed {
			state = "green"
		}
		if old := r.Exercises[ex]; old.State != state {
			r.Exercises[ex] = Result{State: state, Since: now}
		}
	}
	s.bump()
	return nil
}

// ClearHand lowers name's hand (the host's click).
func (s *State) ClearHand(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rows[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrName, clip(name))
	}
	r.Hand = 0
	s.bump()
	return nil
}

// HubUser is what the board reads of an attendee from the hub.
type HubUser struct {
	Name  string
	Admin bool
	// Server is Starting, Running, or "" (no server).
	Server string
}

// SetUsers records the hub's list of users: every non-admin user gets a
// row, and its server state. Users the hub no longer lists are dropped.
func (s *State) SetUsers(users []HubUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	listed := map[string]bool{}
	changed := false
	for _, u := range users {
		if u.Admin || !ValidName(u.Name) {
			continue
		}
		listed[u.Name] = true
		_, existed := s.rows[u.Name]
		r, err := s.row(u.Name)
		if err != nil {
			continue // full
		}
		state := u.Server
		switch {
		case state == Running:
			r.seen = true
		case state == "" && r.seen:
			state = Stopped
		case state == "":
			state = SignedIn
		}
		if r.Server != state || !existed {
			r.Server = state
			changed = true
		}
	}
	for name := range s.rows {
		if !listed[name] {
			delete(s.rows, name)
			changed = true
		}
	}
	if changed {
		s.bump()
	}
}

// Snapshot returns the room now: the rows by name, whether each is stuck,
// and the totals per exercise.
func (s *State) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	snap := Snapshot{Seq: s.seq, At: now.UnixMilli(), StuckAfter: s.stuckAfter.Milliseconds(), Rows: make([]Row, 0, len(s.rows))}
	for _, e := range Exercises {
		snap.Totals = append(snap.Totals, Total{Exercise: e})
	}
	for _, r := range s.rows {
		c := *r
		c.Exercises = make(map[string]Result, len(r.Exercises))
		for i, e := range Exercises {
			res, ok := r.Exercises[e.ID]
			if !ok {
				snap.Totals[i].NotTried++
				continue
			}
			c.Exercises[e.ID] = res
			if res.State == "green" {
				snap.Totals[i].Green++
				continue
			}
			snap.Totals[i].Red++
			if now.Sub(time.UnixMilli(res.Since)) > s.stuckAfter && c.Why == "" {
				c.Stuck, c.Why = true, "red "+e.ID
			}
		}
		if c.Hand != 0 {
			c.Stuck, c.Why = true, "hand"
		}
		if c.Stuck {
			snap.Stuck++
		}
		snap.Rows = append(snap.Rows, c)
	}
	slices.SortFunc(snap.Rows, func(a, b Row) int { return strings.Compare(a.Name, b.Name) })
	return snap
}

// clip shortens what a message quotes from a request.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
