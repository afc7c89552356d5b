package mockserver_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

// Shape of the load benchmark.
const (
	loadConns    = 1000                 // concurrent connections, each with one request at a time
	smallConns   = 100                  // a lighter run, for comparison
	idleConns    = 10                   // no load to speak of: what the machine alone adds
	loadWarmup   = 2 * time.Second      // connecting and settling, not measured
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

// cpuStat is the system-wide CPU time counters of /proc/stat, in clock ticks.
type cpuStat struct{ total, steal uint64 }

// readCPUStat reads the "cpu" line of /proc/stat; ok is false where there is none.
func readCPUStat() (st cpuStat, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return st, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return st, false
	}
	for i, f := range fields[1:] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return st, false
		}
		st.total += v
		if i == 7 { // user nice system idle iowait irq softirq steal ...
			st.steal = v
		}
	}
	return st, true
}

// loadAverage returns the 1-minute load average, when the system tells it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// startBareServer runs a plain fasthttp server on loopback whose only handler
// sleeps delay and answers body: close to the least work a Go HTTP server can
// do for the list endpoint. Measured beside the mock server, it shows how much
// of the tail is the machine's rather than the mock server's.
func startBareServer(b *testing.B, delay time.Duration, body []byte) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("listen: %v", err)
	}
	srv := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) {
		time.Sleep(delay)
		c.SetContentType("application/json")
		c.SetBody(body)
	}}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String()
}

// fetch returns the body of GET url, failing b on any error or status but 200.
func fetch(b *testing.B, url string) []byte {
	b.Helper()
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return body
}

// loadRun is one row of the benchmark's table.
type loadRun struct {
	name  string
	url   string
	conns int
	r     loadResult
}

// BenchmarkLoad drives the real server's 50 ms list endpoint with 1000
// concurrent keep-alive connections on loopback and prints the throughput as
// a share of the ideal (1000 / 0.05 s = 20000 req/s) and p50/p99 latency as
// multiples of 50 ms. Beside it, measured in the same run: the same server
// with 100 and with 10 connections (10 is no load at all, so its p99 shows what
// the machine alone adds), a bare fasthttp server that only sleeps 50 ms (what
// the machine allows a Go server at 1000 connections), and the mock server's
// throughput with no modelled latency. It ends with a verdict (loadVerdict).
// Run it once:
//
//	go test -run '^$' -bench BenchmarkLoad -benchtime 1x ./server/mockserver
func BenchmarkLoad(b *testing.B) {
	cfg := mockserver.DefaultConfig()
	srv := servertest.Start(b, cfg)
	bare := startBareServer(b, loadLatency, fetch(b, srv.URL+loadPath))
	cfg.LatencyScale = 0
	zero := servertest.Start(b, cfg)
	statFrom, statOK := readCPUStat()
	b.ResetTimer()
	runs := []loadRun{
		{name: "mock server", url: srv.URL, conns: loadConns},
		{name: "mock server", url: srv.URL, conns: smallConns},
		{name: "mock server, no load", url: srv.URL, conns: idleConns},
		{name: "bare fasthttp, same sleep", url: bare, conns: loadConns},
	}
	for i := range runs {
		runs[i].r = drive(b, runs[i].url, runs[i].conns, loadWarmup, loadDuration)
	}
	z := drive(b, zero.URL, loadConns, loadWarmup, zeroDuration)
	b.StopTimer()
	statTo, _ := readCPUStat()

	fmt.Printf("load: GET %s (%v at scale 1), keep-alive connections on loopback, %v measured per row\n", loadPath, loadLatency, loadDuration)
	fmt.Printf("targets for the mock server at %d connections: >= %.0f%% of ideal, p99 <= %.1fx\n", loadConns, 100*targetShare, targetP99)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tconnections\treq/s\tof ideal\tp50\tp99\terrors\tCPU/request\t")
	for _, run := range runs {
		share, p50, p99 := loadFigures(run.conns, run.r)
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.1f%%\t%.2fx\t%.2fx\t%d\t%v\t\n", run.name, run.conns, run.r.rate(), 100*share, p50, p99,
			run.r.errors, (run.r.cpu / time.Duration(max(run.r.requests, 1))).Round(100*time.Nanosecond))
	}
	_ = tw.Flush()
	fmt.Println("(CPU/request: client and server together, the process's CPU time over the requests)")
	fmt.Printf("zero latency: %.0f req/s over %v (%d connections), p99 %v, errors %d\n",
		z.rate(), zeroDuration, loadConns, z.percentile(0.99).Round(time.Microsecond), z.errors)
	steal := "unknown"
	if statOK && statTo.total > statFrom.total {
		steal = fmt.Sprintf("%.1f%%", 100*float64(statTo.steal-statFrom.steal)/float64(statTo.total-statFrom.total))
	}
	fmt.Printf("machine: %d CPUs, load average %s, CPU stolen by the host during the runs %s (client and servers share the CPUs)\n",
		runtime.NumCPU(), loadAverage(), steal)

	share, p50, p99 := loadFigures(loadConns, runs[0].r)
	_, _, idleP99 := loadFigures(idleConns, runs[2].r)
	bareShare, _, bareP99 := loadFigures(loadConns, runs[3].r)
	fmt.Println("verdict:", loadVerdict(share, p99, bareShare, bareP99))
	b.ReportMetric(100*share, "%ideal")
	b.ReportMetric(p50, "p50/50ms")
	b.ReportMetric(p99, "p99/50ms")
	b.ReportMetric(idleP99, "noload-p99/50ms")
	b.ReportMetric(bareP99, "bare-p99/50ms")
	b.ReportMetric(z.rate(), "req/s@scale0")
}

// Targets of the 1000-connection run.
const (
	targetShare = 0.90 // of the ideal throughput
	targetP99   = 1.2  // times the modelled latency
)

// loadVerdict reads the 1000-connection rows: whether the mock server met the
// targets and, if not, whether the bare control (the same sleep with nothing
// else) met them on this machine, i.e. whether the server or the machine is
// what stands in the way.
func loadVerdict(share, p99, bareShare, bareP99 float64) string {
	meets := func(share, p99 float64) bool { return share >= targetShare && p99 <= targetP99 }
	switch {
	case meets(share, p99):
		return fmt.Sprintf("targets met (%.1f%% of ideal, p99 %.2fx)", 100*share, p99)
	case meets(bareShare, bareP99):
		return fmt.Sprintf("targets missed (%.1f%%, p99 %.2fx) while the bare control met them (%.1f%%, p99 %.2fx): the mock server's own work stands in the way",
			100*share, p99, 100*bareShare, bareP99)
	default:
		return fmt.Sprintf("targets missed (%.1f%%, p99 %.2fx), and by the bare control too (%.1f%%, p99 %.2fx): in this run on this machine, not even a server that only sleeps met them at %d connections",
			100*share, p99, 100*bareShare, bareP99, loadConns)
	}
}

// loadFigures returns a run's share of the ideal throughput for conns
// connections and its p50 and p99 as multiples of the modelled latency.
func loadFigures(conns int, r loadResult) (share, p50, p99 float64) {
	ideal := float64(conns) / loadLatency.Seconds()
	share = r.rate() / ideal
	p50 = float64(r.percentile(0.50)) / float64(loadLatency)
	p99 = float64(r.percentile(0.99)) / float64(loadLatency)
	return share, p50, p99
}

func TestLoadVerdict(t *testing.T) {
	tests := []struct {
		name                           string
		share, p99, bareShare, bareP99 float64
		want                           string
	}{
		{"met", 0.95, 1.1, 0.96, 1.05, "targets met"},
		{"met at the limits", 0.90, 1.2, 0.5, 3, "targets met"},
		{"server in the way", 0.95, 1.3, 0.95, 1.1, "the mock server's own work stands in the way"},
		{"slow server", 0.85, 1.1, 0.92, 1.15, "the mock server's own work stands in the way"},
		{"machine", 0.90, 1.4, 0.91, 1.38, "not even a server that only sleeps met them"},
		{"machine, throughput", 0.88, 1.1, 0.89, 1.1, "not even a server that only sleeps met them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadVerdict(tt.share, tt.p99, tt.bareShare, tt.bareP99); !strings.Contains(got, tt.want) {
				t.Errorf("loadVerdict(%v, %v, %v, %v) = %q, want it to say %q", tt.share, tt.p99, tt.bareShare, tt.bareP99, got, tt.want)
			}
		})
	}
}
