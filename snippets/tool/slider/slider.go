// Package slider lets a notebook cell re-run a piece of code at a value the
// learner picks with a slider: GoNB's widgets in JupyterLab, one plain run
// at the starting value anywhere else.
//
//	slider.Run("limit", 1, 100, 10, func(limit int) {
//		// fetch the videos with at most limit requests in flight
//	})
//
// In JupyterLab the cell shows a slider and a Done button; every value the
// slider stops on runs f once more, and the cell ends when the learner
// presses Done or leaves the slider alone for Idle. Where no browser shows
// the notebook (a notebook run from the command line, a program outside a
// notebook), Run calls f once at the starting value, and in a notebook says
// so.
package slider

import (
	"fmt"
	"html"
	"os"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// Waits of a slider cell.
const (
	// FrontEndWait is how long Run waits for the browser to show the slider
	// before it runs f once at the starting value without one.
	FrontEndWait = 5 * time.Second
	// Settle is how long the slider must rest on a value before f runs at
	// it, so that dragging across values runs f only where the drag ends.
	Settle = 400 * time.Millisecond
	// Idle is how long the slider stays live after the last run without a
	// new value; then the cell ends as if Done had been pressed.
	Idle = 30 * time.Second
)

// Run shows a slider named label from min to max, starting at value, and
// calls f(value) at once. In JupyterLab it then calls f again each time the
// slider rests on a new value, until the learner presses Done or Idle passes
// without a move, and removes the slider when it returns. Elsewhere it calls
// f once. Calls of f never overlap: a value picked while f runs is used
// when f returns (the latest one, if there were several).
//
// Run panics if min > max or value is outside [min, max]: the cell's code
// is wrong, not the learner's pick.
func Run(label string, min, max, value int, f func(int)) {
	if min > max || value < min || value > max {
		panic(fmt.Sprintf("slider.Run(%q, %d, %d, %d): want min <= value <= max", label, min, max, value))
	}
	switch {
	case !inNotebook():
		f(value)
		return
	case os.Getenv(SessionEnv) == "":
		// A notebook runner without a Jupyter server (nbconvert, nbclient):
		// no browser can show the slider, so do not even try.
		once(label, value, f)
		return
	}
	box := newBox(label, min, max, value)
	if !box.shown() {
		box.release(value)
		box.close()
		once(label, value, f)
		return
	}
	box.listen(label, value, f)
	box.close()
}

// SessionEnv is the variable a Jupyter server sets for the kernels of the
// notebooks it opens (JupyterLab's, a hub's), and no other notebook runner
// does: without it no browser is there to show a slider.
const SessionEnv = "JPY_SESSION_NAME"

// once runs f at value for a notebook that no browser shows, and says so.
func once(label string, value int, f func(int)) {
	fmt.Printf("(The %s slider needs this notebook open in JupyterLab; here it ran once, at %s %d.)\n", label, label, value)
	f(value)
}

// box is the slider's part of the cell's output: a line with the label, the
// slider, its value and the Done button, and a status line below.
type box struct {
	displayID, rowID, valueID, statusID string
	slider                              *widgets.SliderBuilder
	button                              *widgets.ButtonBuilder
	ready                               chan struct{} // closed when the browser shows the widgets
}

// frontEndWait and idle are FrontEndWait and Idle; tests change them.
var frontEndWait, idle = FrontEndWait, Idle

// inNotebook reports whether the program runs as a notebook cell (GoNB
// says so at its start); tests replace it, since GoNB's own goroutines read
// gonbui.IsNotebook for as long as the program runs.
var inNotebook = func() bool { return gonbui.IsNotebook }

// releaseEvery is how often release answers in the browser's place.
const releaseEvery = 10 * time.Millisecond

// newBox draws the box and starts the widgets. They are ready once the
// browser has sent their first values, which a notebook without a browser
// never does: shown waits for that at most FrontEndWait.
func newBox(label string, min, max, value int) *box {
	uid := gonbui.UniqueId()
	b := &box{
		displayID: "slider_" + uid,
		rowID:     "slider_row_" + uid,
		valueID:   "slider_value_" + uid,
		statusID:  "slider_status_" + uid,
		ready:     make(chan struct{}),
	}
	gonbui.UpdateHtml(b.displayID, fmt.Sprintf(
		`<div style="font-size:14px;margin:6px 0"><div id="%s" style="display:flex;align-items:center;gap:10px">`+
			`<b>%s</b></div><div id="%s" style="margin-top:4px;opacity:.8">starting the slider…</div></div>`,
		b.rowID, html.EscapeString(label), b.statusID))
	b.slider = widgets.Slider(min, max, value).AppendTo(b.rowID)
	b.button = widgets.Button("Done").AppendTo(b.rowID)
	go func() {
		// Each Done blocks until the browser has answered (or release
		// answers in its place).
		b.slider.Done()
		dom.TransientJavascript(fmt.Sprintf(`document.getElementById(%q).style.width = "24em";`, b.slider.HtmlId()))
		dom.Append(b.rowID, fmt.Sprintf(`<code id="%s" style="min-width:3em">%d</code>`, b.valueID, value))
		b.button.Done()
		close(b.ready)
	}()
	return b
}

// shown reports whether the browser showed the widgets within frontEndWait.
func (b *box) shown() bool {
	select {
	case <-b.ready:
		return true
	case <-time.After(frontEndWait):
		return false
	}
}

// release ends the goroutine that newBox started, once no browser has shown
// the widgets: each widget's Done waits for the browser's first message on
// the widget's address, so release hands those messages to GoNB's
// dispatcher itself, as the browser's would arrive, until that goroutine
// has finished. A message for the button sent before its Done listens is
// dropped, hence the repeats; and since GoNB's dispatcher (v0.11.4) stops
// delivering anything once a message arrives for an address nobody listens
// to, release listens to both addresses itself while it sends.
func (b *box) release(value int) {
	for _, address := range []string{b.slider.Address(), b.button.Address()} {
		id := comms.Subscribe(address, func(string, int) {})
		defer comms.Unsubscribe(id)
	}
	tick := time.NewTicker(releaseEvery)
	defer tick.Stop()
	for {
		deliver(b.slider.Address(), value)
		deliver(b.button.Address(), 0)
		select {
		case <-b.ready:
			return
		case <-tick.C:
		}
	}
}

// deliver hands value to the cell's subscribers of address, as if the
// browser had sent it.
func deliver(address string, value int) {
	if gonbui.OnCommValueUpdate != nil {
		gonbui.OnCommValueUpdate(&protocol.CommValue{Address: address, Value: value})
	}
}

// status replaces the status line.
func (b *box) status(text string) {
	dom.SetInnerText(b.statusID, text)
}

// listen runs f at the starting value, then at each value the slider rests
// on, until Done or Idle.
func (b *box) listen(label string, last int, f func(int)) {
	values := b.slider.Listen().LatestOnly()
	defer values.Close()
	clicks := b.button.Listen()
	defer clicks.Close()

	waiting := func() {
		b.status(fmt.Sprintf("ran at %s %d. Move the slider to run again; press Done to finish (the slider closes by itself after %v without a move).", label, last, idle))
	}
	b.status(fmt.Sprintf("running at %s %d…", label, last))
	f(last)
	waiting()
	idleTimer := time.NewTimer(idle)
	defer idleTimer.Stop()
	var settle <-chan time.Time
	picked := last
	for {
		select {
		case v := <-values.C:
			picked = v
			dom.SetInnerText(b.valueID, fmt.Sprint(v))
			settle = time.After(Settle)
		case <-settle:
			settle = nil
			if picked == last {
				break
			}
			last = picked
			b.status(fmt.Sprintf("running at %s %d…", label, last))
			f(last)
			waiting()
			idleTimer.Reset(idle)
		case <-clicks.C:
			return
		case <-idleTimer.C:
			return
		}
	}
}

// close removes the widgets from the output; what f printed stays.
func (b *box) close() {
	gonbui.UpdateHtml(b.displayID, "")
	gonbui.Sync()
}
