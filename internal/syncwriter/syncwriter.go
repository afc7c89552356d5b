// Package syncwriter provides an io.Writer that several goroutines may write
// to at once, for programs whose tasks print side by side and for tests that
// read what concurrent code wrote.
package syncwriter

import (
	"bytes"
	"io"
	"sync"
)

// Writer serializes writes: each Write completes before the next begins, so
// lines from different goroutines never interleave within a Write. The zero
// value keeps what is written, for String; New passes it on to another
// writer instead. A Writer must not be copied after first use.
type Writer struct {
	mu  sync.Mutex
	out io.Writer // nil: buf
	buf bytes.Buffer
}

// New returns a Writer that writes to w.
func New(w io.Writer) *Writer { return &Writer{out: w} }

// Write writes p while holding the lock.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.out != nil {
		return w.out.Write(p)
	}
	return w.buf.Write(p)
}

// String returns what has been written to a Writer created as a zero value;
// it is "" for one created by New.
func (w *Writer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
