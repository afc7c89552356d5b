// Package servertest runs the real mock server on a loopback port for tests.
package servertest

import (
	"context"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/server/mockserver"
)

// ShutdownTimeout bounds how long Cleanup waits for in-flight requests.
const ShutdownTimeout = 10 * time.Second

// Server is a running mock server.
type Server struct {
	URL string // base URL, "http://127.0.0.1:PORT"
}

// Start runs the real server on a free loopback port (127.0.0.1:0) and stops
// it in tb.Cleanup. cfg.Addr is ignored. Start fails tb if the server cannot
// start.
func Start(tb testing.TB, cfg mockserver.Config) *Server {
	tb.Helper()
	return StartAt(tb, cfg, "127.0.0.1:0")
}

// StartAt is Start on the given address instead of a free port, e.g. the
// workshop's default mockserver.DefaultAddr. It fails tb if the address is
// taken.
func StartAt(tb testing.TB, cfg mockserver.Config, addr string) *Server {
	tb.Helper()
	cfg.Addr = addr
	r, err := mockserver.Start(cfg)
	if err != nil {
		tb.Fatalf("servertest: start on %s: %v", addr, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			tb.Errorf("servertest: stop: %v", err)
		}
	})
	return &Server{URL: r.URL}
}
