package mockserver

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// shutdownPoll is how often shutdown looks for connections it may close.
const shutdownPoll = 20 * time.Millisecond

// connTracker knows which open connections are serving a request. fasthttp
// closes idle keep-alive connections on shutdown, but a connection that was
// opened and never used counts as active and would hold the shutdown up
// until its read timed out; connTracker lets shutdown close those.
type connTracker struct {
	mu      sync.Mutex
	conns   map[net.Conn]bool // open connection -> a request is being served
	closing sync.WaitGroup    // closes started by closeUnused
}

// state follows fasthttp's connection states.
func (t *connTracker) state(c net.Conn, st fasthttp.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case fasthttp.StateNew, fasthttp.StateIdle:
		t.conns[c] = false // the response, if any, has been written
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		delete(t.conns, c)
	}
}

// middleware marks the request's connection busy until its response is written.
func (t *connTracker) middleware(c *fiber.Ctx) error {
	if conn := c.Context().Conn(); conn != nil {
		t.mu.Lock()
		if _, open := t.conns[conn]; open {
			t.conns[conn] = true
		}
		t.mu.Unlock()
	}
	return c.Next()
}

// closeUnused closes the connections that serve no request, each in a
// goroutine of its own and outside the lock: closing a connection that
// drains an oversized body (drainConn) can take up to drainTimeout, and
// must hold up neither the other connections' state changes nor the other
// closes. A connection is closed once; wait for the closes with
// t.closing.Wait.
func (t *connTracker) closeUnused() {
	t.mu.Lock()
	var unused []net.Conn
	for c, busy := range t.conns {
		if !busy {
			unused = append(unused, c)
			delete(t.conns, c) // closing now; its StateClosed finds it gone
		}
	}
	t.mu.Unlock()
	for _, c := range unused {
		t.closing.Go(func() { _ = c.Close() })
	}
}

// shutdown ends the open event streams, stops accepting connections, lets
// in-flight requests finish and closes connections as they fall idle. It
// returns when all are closed, or with ctx's error when ctx ends first.
func (s *server) shutdown(ctx context.Context) error {
	s.streams.close()
	done := make(chan error, 1)
	go func() { done <- s.app.ShutdownWithContext(ctx) }()
	tick := time.NewTicker(shutdownPoll)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			s.conns.closing.Wait() // each ends within drainTimeout
			return err
		case <-tick.C:
			s.conns.closeUnused()
		}
	}
}
