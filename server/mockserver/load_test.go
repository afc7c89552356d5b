package mockserver_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

// Shape of the load benchmark.
const (
	loadConns    = 1000                 // concurrent connections, each with one request at a time
	smallConns   = 100                  // a lighter run, for comparison
	loadWarmup   = 1 * time.Second      // connecting and settling, not measured
	loadDuration = 5 * time.Second      // measured window
	loadPath     = "/videos?n=100"      // the fixed-latency list endpoint
	loadLatency  = mockserver.ListDelay // its latency at scale 1
	zeroDuration = 3 * time.Second      // measured window at latency scale 0
	loadTimeout  = 10 * time.Second     // per request
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

func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(int(p*float64(len(r.latencies))), len(r.latencies)-1)]
}

// drive keeps conns requests in flight against url for warmup+window and
// measures the requests that complete inside the window. Each connection is
// a plain keep-alive TCP connection sending one prepared request at a time,
// so the client spends as little CPU as possible beside the server.
func drive(b *testing.B, url string, conns int, warmup, window time.Duration) loadResult {
	b.Helper()
	addr := strings.TrimPrefix(url, "http://")
	request := []byte("GET " + loadPath + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
	start := time.Now()
	from, to := start.Add(warmup), start.Add(warmup+window)
	cpuFrom, cpuTo := make(chan time.Duration, 1), make(chan time.Duration, 1)
	time.AfterFunc(warmup, func() { cpuFrom <- cpuTime() })
	time.AfterFunc(warmup+window, func() { cpuTo <- cpuTime() })
	per := make([][]time.Duration, conns)
	errs := make([]int, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			lat := make([]time.Duration, 0, int(window/loadLatency)+1)
			defer func() { per[i] = lat }()
			conn, err := net.DialTimeout("tcp", addr, loadTimeout)
			if err != nil {
				errs[i]++
				return
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			for {
				t0 := time.Now()
				if t0.After(to) {
					return
				}
				_ = conn.SetDeadline(t0.Add(loadTimeout))
				_, err := conn.Write(request)
				if err == nil {
					err = readResponse(br)
				}
				t1 := time.Now()
				if err != nil {
					errs[i]++
					return // the connection is unusable
				}
				if t0.Before(from) || t1.After(to) {
					continue // outside the measured window
				}
				lat = append(lat, t1.Sub(t0))
			}
		})
	}
	wg.Wait()
	var r loadResult
	r.window = window
	r.cpu = <-cpuTo - <-cpuFrom
	for i := range per {
		r.latencies = append(r.latencies, per[i]...)
		r.errors += errs[i]
	}
	r.requests = len(r.latencies)
	slices.Sort(r.latencies)
	return r
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

// cpuTime returns the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage returns the 1-minute load average, when the system tells it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// BenchmarkLoad drives the real server's 50 ms list endpoint with 1000
// concurrent connections on loopback and prints the throughput as a share of
// the ideal (1000 / 0.05 s = 20000 req/s) and p50/p99 latency as multiples of
// 50 ms; then the same with 100 connections, and the throughput with no
// modelled latency. Run it once:
//
//	go test -run '^$' -bench BenchmarkLoad -benchtime 1x ./server/mockserver
func BenchmarkLoad(b *testing.B) {
	cfg := mockserver.DefaultConfig()
	srv := servertest.Start(b, cfg)
	b.ResetTimer()
	r := drive(b, srv.URL, loadConns, loadWarmup, loadDuration)
	small := drive(b, srv.URL, smallConns, loadWarmup, loadDuration)

	cfg.LatencyScale = 0
	zero := servertest.Start(b, cfg)
	z := drive(b, zero.URL, loadConns, loadWarmup, zeroDuration)
	b.StopTimer()

	share, p50, p99 := printLoad(loadConns, r, "(targets: >= 90% of ideal, p99 <= 1.2x)")
	printLoad(smallConns, small, "(for comparison: the same server with less load)")
	fmt.Printf("zero latency: %.0f req/s over %v (%d connections), p99 %v, errors %d\n",
		z.rate(), zeroDuration, loadConns, z.percentile(0.99).Round(time.Microsecond), z.errors)
	fmt.Printf("machine: %d CPUs, load average %s (client and server share them)\n", runtime.NumCPU(), loadAverage())
	b.ReportMetric(100*share, "%ideal")
	b.ReportMetric(p50, "p50/50ms")
	b.ReportMetric(p99, "p99/50ms")
	b.ReportMetric(z.rate(), "req/s@scale0")
}

// printLoad prints one run against the 50 ms endpoint and returns its share
// of the ideal throughput and its p50 and p99 as multiples of the latency.
func printLoad(conns int, r loadResult, note string) (share, p50, p99 float64) {
	ideal := float64(conns) / loadLatency.Seconds()
	share = r.rate() / ideal
	p50 = float64(r.percentile(0.50)) / float64(loadLatency)
	p99 = float64(r.percentile(0.99)) / float64(loadLatency)
	fmt.Printf("load: GET %s, %d connections, %v measured, latency %v %s\n", loadPath, conns, r.window, loadLatency, note)
	fmt.Printf("  throughput %8.0f req/s = %5.1f%% of ideal %.0f req/s\n", r.rate(), 100*share, ideal)
	fmt.Printf("  p50 %v = %.2fx, p99 %v = %.2fx, errors %d\n",
		r.percentile(0.50).Round(time.Microsecond), p50, r.percentile(0.99).Round(time.Microsecond), p99, r.errors)
	fmt.Printf("  CPU %v per request, client and server together (%v in the window)\n",
		(r.cpu / time.Duration(max(r.requests, 1))).Round(100*time.Nanosecond), r.cpu.Round(time.Millisecond))
	return share, p50, p99
}
