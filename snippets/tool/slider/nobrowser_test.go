//go:build unix

package slider

import (
	"encoding/gob"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// fakeKernel plays GoNB's side of the cell program's two named pipes: it
// reads what the program displays and acknowledges its Sync requests, and,
// like a notebook that no browser shows, never answers a widget.
func fakeKernel(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	toKernel, fromKernel := filepath.Join(dir, "pipe"), filepath.Join(dir, "pipe_back")
	for _, p := range []string{toKernel, fromKernel} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(protocol.GONB_PIPE_ENV, toKernel)
	t.Setenv(protocol.GONB_PIPE_BACK_ENV, fromKernel)
	t.Setenv(SessionEnv, "a notebook")
	wasNotebook := gonbui.IsNotebook
	gonbui.IsNotebook = true
	t.Cleanup(func() { gonbui.IsNotebook = wasNotebook })

	go func() {
		in, err := os.OpenFile(toKernel, os.O_RDONLY, 0)
		if err != nil {
			return
		}
		defer in.Close()
		out, err := os.OpenFile(fromKernel, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer out.Close()
		dec, enc := gob.NewDecoder(in), gob.NewEncoder(out)
		for {
			var d protocol.DisplayData
			if dec.Decode(&d) != nil {
				return
			}
			// gob hands interface values back as values, not pointers.
			if v, ok := d.Data[protocol.MIMECommValue].(protocol.CommValue); ok && v.Address == protocol.GonbuiSyncAddress {
				_ = enc.Encode(&protocol.CommValue{Address: protocol.GonbuiSyncAckAddress, Value: v.Value})
			}
		}
	}()
}

// blockedInWidgets returns the stacks of goroutines still waiting in a
// widget's Done, waiting up to a second for them to end.
func blockedInWidgets() string {
	deadline := time.Now().Add(time.Second)
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

// In a notebook that a Jupyter server runs but no browser shows, Run gives
// up on the slider after frontEndWait, runs f once at the starting value,
// and leaves no goroutine waiting for the browser.
func TestRunWithoutABrowser(t *testing.T) {
	fakeKernel(t)
	frontEndWait = 200 * time.Millisecond
	t.Cleanup(func() { frontEndWait = FrontEndWait })

	var got []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run("limit", 1, 100, 10, func(v int) { got = append(got, v) })
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("Run did not return within 30s without a browser:\n%s", buf[:runtime.Stack(buf, true)])
	}
	if len(got) != 1 || got[0] != 10 {
		t.Errorf("Run called f with %v, want [10]", got)
	}
	if blocked := blockedInWidgets(); blocked != "" {
		t.Errorf("goroutines still wait for the browser after Run returned:\n%s", blocked)
	}
}
