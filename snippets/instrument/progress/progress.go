// Package progress draws a one-line progress bar that many goroutines can
// advance at once.
//
// It is the Go counterpart of wrapping asyncio.as_completed in tqdm: each
// goroutine calls Add when it finishes an item, and the bar redraws itself in
// place with a carriage return, in a terminal or in a notebook cell. For
// work that does not call Add itself, Follow redraws the bar a few times a
// second from a count of the items done.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Width is the number of cells between the brackets.
const Width = 30

// Bar is a goroutine-safe progress bar: "label [#####.....] 42/100 3.1s".
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	label string
	done  int
	start time.Time
	ended bool
	since func(time.Time) time.Duration
}

// New draws an empty bar for total items on w and returns it.
func New(w io.Writer, total int, label string) *Bar {
	b := &Bar{w: w, total: max(total, 0), label: label, start: time.Now(), since: time.Since}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drawLocked()
	return b
}

// Add advances the bar by n items (never beyond the total) and redraws it.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return
	}
	b.done = min(max(b.done+n, 0), b.total)
	b.drawLocked()
}

// Done redraws the bar a last time and ends its line. Later calls to Add or
// Done do nothing.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return
	}
	b.drawLocked()
	fmt.Fprintln(b.w)
	b.ended = true
}

// Count returns the number of items done so far.
func (b *Bar) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.done
}

func (b *Bar) drawLocked() {
	fmt.Fprintf(b.w, "\r%s", b.lineLocked())
}

func (b *Bar) lineLocked() string {
	filled := Width
	if b.total > 0 {
		filled = b.done * Width / b.total
	}
	return fmt.Sprintf("%s [%s%s] %d/%d %.1fs", b.label,
		strings.Repeat("#", filled), strings.Repeat(".", Width-filled),
		b.done, b.total, b.since(b.start).Seconds())
}

// Follow draws a bar for total items and, until stop is called, redraws it
// every interval from count, which returns how many items are done so far
// (the finished spans of a timeline lane, say). It is for work that does
// not call Add itself. stop counts a last time, ends the bar's line and
// returns once the redrawing goroutine has ended.
func Follow(w io.Writer, total int, label string, every time.Duration, count func() int) (stop func()) {
	b := New(w, total, label)
	quit, done := make(chan struct{}), make(chan struct{})
	update := func() { b.Add(count() - b.Count()) }
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				update()
			case <-quit:
				update()
				b.Done()
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}
