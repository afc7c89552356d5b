package mockserver

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/valyala/fasthttp"
)

// slowCloser is a connection whose Close blocks until released, as a
// drainConn's does while it drains an oversized body.
type slowCloser struct {
	net.Conn
	closing chan struct{} // receives when Close begins
	release chan struct{}
	closes  atomic.Int32
}

func (c *slowCloser) Close() error {
	c.closes.Add(1)
	c.closing <- struct{}{}
	<-c.release
	return nil
}

// TestCloseOutsideTheLock: while shutdown closes a connection that takes
// its time, the tracker's lock is free (other connections change state)
// and the next round of closing does not close it again.
func TestCloseOutsideTheLock(t *testing.T) {
	tr := connTracker{conns: map[net.Conn]bool{}}
	slow := &slowCloser{closing: make(chan struct{}, 1), release: make(chan struct{})}
	tr.state(slow, fasthttp.StateNew)
	tr.closeUnused()
	<-slow.closing // Close has begun and blocks
	if !tr.mu.TryLock() {
		t.Fatal("the tracker's lock is held while a connection closes: every other connection's state change waits")
	}
	tr.mu.Unlock()
	other, _ := net.Pipe()
	defer other.Close()
	tr.state(other, fasthttp.StateNew) // would block here before the fix
	tr.closeUnused()                   // the next poll of shutdown
	close(slow.release)
	tr.closing.Wait()
	if n := slow.closes.Load(); n != 1 {
		t.Errorf("the slow connection was closed %d times, want once (a second close would cut its drain short)", n)
	}
}
