package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
	"github.com/go-async-workshop/workshop/internal/percentile"
)

// loadResult is what one run measured.
type loadResult struct {
	requests  int
	errors    int
	window    time.Duration
	cpu       time.Duration   // CPU time of the process during the window
	latencies []time.Duration // sorted
}

func (r loadResult) rate() float64 { return float64(r.requests) / r.window.Seconds() }

// cpuPerRequest is the process's CPU time over the window per request.
func (r loadResult) cpuPerRequest() time.Duration {
	return (r.cpu / time.Duration(max(r.requests, 1))).Round(100 * time.Nanosecond)
}

// percentile returns the p-th percentile (in percent) of the latencies.
func (r loadResult) percentile(p float64) time.Duration { return percentile.Sorted(r.latencies, p) }

// merge adds two runs of the same shape together.
func merge(a, b loadResult) loadResult {
	m := loadResult{
		requests: a.requests + b.requests, errors: a.errors + b.errors,
		window: a.window + b.window, cpu: a.cpu + b.cpu,
		latencies: append(slices.Clone(a.latencies), b.latencies...),
	}
	slices.Sort(m.latencies)
	return m
}

// drive keeps conns requests in flight against url for warmup+window and
// measures the requests that complete inside the window. Each connection is
// a plain keep-alive TCP connection sending one prepared request at a time,
// so the client spends as little CPU as possible beside the server. When
// ctx ends, drive closes the connections and returns ctx's error at once.
func drive(ctx context.Context, url string, conns int, warmup, window time.Duration) (loadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	from, to := start.Add(warmup), start.Add(warmup+window)
	cpuFrom, cpuTo := make(chan time.Duration, 1), make(chan time.Duration, 1)
	defer time.AfterFunc(warmup, func() { cpuFrom <- cpustat.Process() }).Stop()
	defer time.AfterFunc(warmup+window, func() { cpuTo <- cpustat.Process() }).Stop()
	per := make([][]time.Duration, conns)
	errs := make([]int, conns)
	request := []byte("GET " + loadPath + " HTTP/1.1\r\nHost: " + strings.TrimPrefix(url, "http://") + "\r\n\r\n")
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			per[i], errs[i] = connLoop(ctx, strings.TrimPrefix(url, "http://"), request, from, to, window)
		})
	}
	wg.Wait()
	r := loadResult{window: window}
	cpu0, err := await(ctx, cpuFrom)
	if err != nil {
		return r, err
	}
	cpu1, err := await(ctx, cpuTo)
	if err != nil {
		return r, err
	}
	r.cpu = cpu1 - cpu0
	for i := range per {
		r.latencies = append(r.latencies, per[i]...)
		r.errors += errs[i]
	}
	r.requests = len(r.latencies)
	slices.Sort(r.latencies)
	return r, nil
}

// await returns the value ch receives, or ctx's error if ctx ends first.
func await(ctx context.Context, ch <-chan time.Duration) (time.Duration, error) {
	select {
	case d := <-ch:
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// connLoop sends request on one connection to addr, one at a time, until
// to (or until ctx ends, which closes the connection), and returns the
// latencies of the requests that completed between from and to, and 1 if
// the connection failed.
func connLoop(ctx context.Context, addr string, request []byte, from, to time.Time, window time.Duration) (lat []time.Duration, errs int) {
	lat = make([]time.Duration, 0, int(window/loadLatency)+1)
	conn, err := net.DialTimeout("tcp", addr, loadTimeout)
	if err != nil {
		return lat, 1
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.Close() })() // Ctrl+C: a blocked read ends now
	br := bufio.NewReader(conn)
	for {
		t0 := time.Now()
		if t0.After(to) || ctx.Err() != nil {
			return lat, 0
		}
		_ = conn.SetDeadline(t0.Add(loadTimeout))
		_, err := conn.Write(request)
		if err == nil {
			err = readResponse(br)
		}
		t1 := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				return lat, 0
			}
			return lat, 1 // the connection is unusable
		}
		if !t0.Before(from) && !t1.After(to) {
			lat = append(lat, t1.Sub(t0))
		}
	}
}

// readResponse reads one HTTP/1.1 response with a Content-Length and fails
// unless its status is 200.
func readResponse(br *bufio.Reader) error {
	status, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q", status)
	}
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 { // the blank line ending the header
			break
		}
		if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return err
			}
		}
	}
	if length < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = br.Discard(length)
	return err
}
