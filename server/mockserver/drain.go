package mockserver

import (
	"io"
	"net"
	"sync/atomic"
	"time"
)

// Limits of draining an oversized request body. A client that writes its
// whole body before reading the answer (Python's urllib, most simple
// clients) would otherwise meet a reset connection instead of the 413: a
// socket closed with unread data answers the client's next bytes with a
// reset, which can discard the 413 before the client reads it.
const (
	maxDrainBytes = 8 << 20         // most bytes read and discarded after a 413
	drainTimeout  = 5 * time.Second // longest time spent doing so
)

// drainListener wraps every accepted connection in a drainConn.
type drainListener struct{ net.Listener }

func (l drainListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &drainConn{Conn: c}, nil
}

// drainConn is a connection that can be told, before it is closed, that the
// client may still be sending a request body nobody will read.
type drainConn struct {
	net.Conn
	drain    atomic.Bool // set by drainOnClose
	draining atomic.Bool // the first Close drains; later ones close at once
}

// drainOnClose asks the connection to drain when the server closes it.
func drainOnClose(c net.Conn) {
	if dc, ok := c.(*drainConn); ok {
		dc.drain.Store(true)
	}
}

// NetConn returns the connection the listener accepted (its peer's
// credentials are read from it).
func (c *drainConn) NetConn() net.Conn { return c.Conn }

// Close, after drainOnClose, first tells the client that the answer is
// complete (TCP half-close), then reads and discards what it still sends, up
// to maxDrainBytes or drainTimeout, and only then closes. A second Close
// (e.g. a shutdown) closes at once, which also ends a drain in progress.
func (c *drainConn) Close() error {
	if c.drain.Load() && c.draining.CompareAndSwap(false, true) {
		if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
			_ = hc.CloseWrite()
		}
		_ = c.Conn.SetReadDeadline(time.Now().Add(drainTimeout))
		_, _ = io.CopyN(io.Discard, c.Conn, maxDrainBytes)
	}
	return c.Conn.Close()
}
