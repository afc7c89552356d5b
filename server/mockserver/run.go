package mockserver

import (
	"context"
	"errors"
	"net"
)

// Running is a server answering on a listener in its own goroutine: what
// the server command, the tests (package servertest) and the measuring
// programs start.
type Running struct {
	*server
	URL    string // base URL, e.g. "http://127.0.0.1:8000" or "unix:///path/video.sock"
	ln     net.Listener
	served chan error
}

// Start builds the server for cfg, listens on cfg.Addr (a port of 0 picks a
// free one; "unix:/path" is a Unix socket) and serves in a new goroutine until Stop.
func Start(cfg Config) (*Running, error) {
	srv, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	ln, url, err := listen(cfg.Addr, cfg.SocketGroup)
	if err != nil {
		return nil, err
	}
	r := &Running{server: srv, URL: url, ln: ln, served: make(chan error, 1)}
	go func() { r.served <- srv.serve(ln) }()
	return r, nil
}

// Addr is the address the server listens on.
func (r *Running) Addr() net.Addr { return r.ln.Addr() }

// Served receives the server's error if the server stops by itself, before Stop.
func (r *Running) Served() <-chan error { return r.served }

// Stop shuts the server down gracefully (see server.shutdown) and waits for
// Serve to return. ctx bounds the wait for in-flight requests.
func (r *Running) Stop(ctx context.Context) error {
	err := r.shutdown(ctx)
	// A Stop that comes right after Start can find Serve not yet holding
	// the listener, so the shutdown above could not close it: closing it
	// here ends Serve's Accept either way.
	_ = r.ln.Close()
	select {
	case serveErr := <-r.served:
		return errors.Join(err, serveErr)
	case <-ctx.Done():
		return errors.Join(err, ctx.Err())
	}
}
