package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/go-async-workshop/workshop/server/mockserver"
)

// servers are the three servers a run measures, each on a loopback port.
type servers struct {
	mock, bare, zero string // base URLs: the mock server, the bare control, the mock server at latency scale 0
	stops            []func()
}

// startServers starts the mock server at the workshop's latencies, the
// bare control answering the same bytes, and the mock server at scale 0.
func startServers() (s *servers, err error) {
	s = &servers{}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	cfg := mockserver.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	if s.mock, err = s.startMock(cfg); err != nil {
		return nil, err
	}
	body, err := fetch(s.mock + loadPath)
	if err != nil {
		return nil, err
	}
	if s.bare, err = s.startBare(loadLatency, body); err != nil {
		return nil, err
	}
	cfg.LatencyScale = 0
	if s.zero, err = s.startMock(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// stop stops every server started, the last first.
func (s *servers) stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
}

func (s *servers) startMock(cfg mockserver.Config) (string, error) {
	r, err := mockserver.Start(cfg)
	if err != nil {
		return "", err
	}
	s.stops = append(s.stops, func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r.URL, nil
}

// startBare runs a plain fasthttp server on loopback whose only handler
// sleeps delay and answers body: close to the least work a Go HTTP server
// can do for the list endpoint. Measured beside the mock server, it shows
// how much of the tail is the machine's rather than the mock server's.
func (s *servers) startBare(delay time.Duration, body []byte) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) {
		time.Sleep(delay)
		c.SetContentType("application/json")
		c.SetBody(body)
	}}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	s.stops = append(s.stops, func() { _ = srv.Shutdown(); <-done })
	return "http://" + ln.Addr().String(), nil
}

// fetch returns the body of GET url, or an error for any status but 200.
func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, err
}
