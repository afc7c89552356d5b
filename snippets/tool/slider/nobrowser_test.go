//go:build unix

package slider

import (
	"encoding/gob"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Bounds of the waits below. Each waits for something to happen, and the
// bound only says when to give up: generous, so that a busy machine never
// reaches it.
const (
	// runTimeout bounds each step of a cell's run: Run returning, f being
	// called at the value the browser picked.
	runTimeout = time.Minute
	// exitTimeout bounds how long the widgets' goroutines take to end after
	// Run returned.
	exitTimeout = 10 * time.Second
)

// fakeKernel plays GoNB's side of the cell program's two named pipes: it
// reads what the program displays and acknowledges its Sync requests. With
// no browser, like a notebook that no browser shows, it never answers a
// widget; with one, it answers as JupyterLab's widgets do (see browser).
//
// A program opens GoNB's pipes once, so the tests share one fake kernel.
type fakeKernel struct {
	toKernel, fromKernel string

	mu      sync.Mutex
	enc     *gob.Encoder // to the program; nil until the program opened its pipes
	browser *browser     // nil: no browser shows the notebook
}

var (
	kernelOnce sync.Once
	theKernel  *fakeKernel
)

// startKernel makes the test's program a notebook cell talking to the fake
// kernel, started on first use, and tells it that no browser is there.
func startKernel(t *testing.T) *fakeKernel {
	t.Helper()
	kernelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "slider-kernel")
		if err != nil {
			t.Fatal(err)
		}
		k := &fakeKernel{toKernel: filepath.Join(dir, "pipe"), fromKernel: filepath.Join(dir, "pipe_back")}
		for _, p := range []string{k.toKernel, k.fromKernel} {
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		go k.serve()
		theKernel = k
		// From here on the test program is a cell, for GoNB, for good: its
		// goroutines (a widget's listener ends after Run returned) read
		// IsNotebook without a lock, so it is set once, before any of them.
		gonbui.IsNotebook = true
	})
	k := theKernel
	t.Setenv(protocol.GONB_PIPE_ENV, k.toKernel)
	t.Setenv(protocol.GONB_PIPE_BACK_ENV, k.fromKernel)
	t.Setenv(SessionEnv, "a notebook")
	inNotebook = func() bool { return true }
	t.Cleanup(func() {
		inNotebook = func() bool { return gonbui.IsNotebook }
		k.show(nil)
	})
	return k
}

// show puts b in front of the notebook (nil: no browser).
func (k *fakeKernel) show(b *browser) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.browser = b
}

// serve reads what the program sends until its pipe closes.
func (k *fakeKernel) serve() {
	in, err := os.OpenFile(k.toKernel, os.O_RDONLY, 0)
	if err != nil {
		return
	}
	defer in.Close()
	out, err := os.OpenFile(k.fromKernel, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer out.Close()
	k.mu.Lock()
	k.enc = gob.NewEncoder(out)
	k.mu.Unlock()
	dec := gob.NewDecoder(in)
	for {
		var d protocol.DisplayData
		if dec.Decode(&d) != nil {
			return
		}
		// gob hands interface values back as values, not pointers.
		if v, ok := d.Data[protocol.MIMECommValue].(protocol.CommValue); ok && v.Address == protocol.GonbuiSyncAddress {
			k.send(protocol.GonbuiSyncAckAddress, v.Value)
		}
		if s, ok := d.Data[protocol.MIMECommSubscribe].(protocol.CommSubscription); ok && !s.Unsubscribe {
			k.mu.Lock()
			b := k.browser
			k.mu.Unlock()
			if b != nil {
				b.shown(k, s.Address)
			}
		}
	}
}

// send hands the program a value for address, as GoNB passes on the
// browser's messages.
func (k *fakeKernel) send(address string, value any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	_ = k.enc.Encode(&protocol.CommValue{Address: address, Value: value})
}

// browser plays JupyterLab showing the cell: when a widget starts listening
// to its address, it sends the widget's first value (the slider's position,
// the button's count of clicks, 0), as the widgets' JavaScript does once
// shown; then it moves the slider and presses Done when the test says so.
type browser struct {
	start int // the slider's position as shown

	mu             sync.Mutex
	slider, button string // the widgets' addresses, once shown
	clicks         int
}

// shown answers a widget's first subscription to address.
func (b *browser) shown(k *fakeKernel, address string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case strings.HasPrefix(address, "/select/") && b.slider == "":
		b.slider = address
		k.send(address, b.start)
	case strings.HasPrefix(address, "/button/") && b.button == "":
		b.button = address
		k.send(address, 0)
	}
}

// move drags the slider to v and lets go.
func (b *browser) move(t *testing.T, k *fakeKernel, v int) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.slider == "" {
		t.Fatal("the browser has not shown the slider")
	}
	k.send(b.slider, v)
}

// pressDone clicks the Done button.
func (b *browser) pressDone(t *testing.T, k *fakeKernel) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.button == "" {
		t.Fatal("the browser has not shown the Done button")
	}
	b.clicks++
	k.send(b.button, b.clicks)
}

// blockedInWidgets returns the stacks of goroutines still waiting in a
// widget's Done, waiting up to exitTimeout for them to end.
func blockedInWidgets() string {
	deadline := time.Now().Add(exitTimeout)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var blocked []string
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "Builder).Done(") {
				blocked = append(blocked, g)
			}
		}
		if len(blocked) == 0 || time.Now().After(deadline) {
			return strings.Join(blocked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitReturn waits for Run, which closes done when it returns.
func waitReturn(t *testing.T, done <-chan struct{}, why string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(runTimeout):
		buf := make([]byte, 1<<20)
		t.Fatalf("Run did not return within %v %s:\n%s", runTimeout, why, buf[:runtime.Stack(buf, true)])
	}
}

// In a notebook that a Jupyter server runs but no browser shows, Run gives
// up on the slider after frontEndWait, runs f once at the starting value,
// and leaves no goroutine waiting for the browser.
func TestRunWithoutABrowser(t *testing.T) {
	startKernel(t)
	frontEndWait = 200 * time.Millisecond
	t.Cleanup(func() { frontEndWait = FrontEndWait })

	var got []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run("limit", 1, 100, 10, func(v int) { got = append(got, v) })
	}()
	waitReturn(t, done, "without a browser")
	if len(got) != 1 || got[0] != 10 {
		t.Errorf("Run called f with %v, want [10]", got)
	}
	if blocked := blockedInWidgets(); blocked != "" {
		t.Errorf("goroutines still wait for the browser after Run returned:\n%s", blocked)
	}
}

// In JupyterLab, Run calls f at the starting value, again at each value the
// learner leaves the slider on, and returns when they press Done, leaving no
// goroutine behind. The test waits for what the browser sees, never for a
// time: the waits for the browser and the learner are an hour here.
func TestRunInABrowser(t *testing.T) {
	k := startKernel(t)
	b := &browser{start: 10}
	k.show(b)
	frontEndWait, idle = time.Hour, time.Hour
	t.Cleanup(func() { frontEndWait, idle = FrontEndWait, Idle })

	calls := make(chan int)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run("limit", 1, 100, 10, func(v int) { calls <- v })
	}()
	called := func(want int) {
		t.Helper()
		select {
		case v := <-calls:
			if v != want {
				t.Fatalf("Run called f at %d, want %d", v, want)
			}
		case <-done:
			t.Fatalf("Run returned before calling f at %d", want)
		case <-time.After(runTimeout):
			t.Fatalf("Run did not call f at %d within %v", want, runTimeout)
		}
	}
	called(10)
	b.move(t, k, 42)
	called(42)
	b.pressDone(t, k)
	waitReturn(t, done, "after Done was pressed")
	select {
	case v := <-calls:
		t.Errorf("Run called f at %d after Done", v)
	default:
	}
	if blocked := blockedInWidgets(); blocked != "" {
		t.Errorf("goroutines still wait in a widget after Run returned:\n%s", blocked)
	}
}
