// Command loadbench measures the mock server under load: its 50 ms list
// endpoint driven by 1000 keep-alive connections on loopback, what 50 open
// dashboards cost that run, and controls that show what the machine allows.
//
//	go run ./server/cmd/loadbench              # about 100 s; make bench runs it
//	go run ./server/cmd/loadbench -h           # the flags
//
// It prints one table; rates are shares of each row's best possible rate
// (connections / 50 ms), latencies multiples of 50 ms. Rows:
//
//   - mock server at 1000 connections, without and with 50 dashboards (50
//     GET /stats/stream clients reading every event), twice in the order
//     A B B A so that a drift of the machine falls on both; the cost of the
//     dashboards is 1 - rate with / rate without (target: at most 5%), and
//     the CPU per request of both is printed beside it;
//   - mock server at 100 connections, and with 10 (no load: what the machine
//     alone adds to a 50 ms request);
//   - a bare fasthttp server whose only handler sleeps 50 ms and writes the
//     same bytes at 1000 connections: close to the least a Go server can do,
//     so it shows what the machine allows;
//   - the mock server with no modelled latency (CPU-bound throughput);
//   - the CPU the host stole during the runs (/proc/stat).
//
// It ends with two verdicts: the 1000-connection targets (met; missed while
// the bare control met them; or missed by the control too), and the cost of
// the dashboards against its target.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/go-async-workshop/workshop/server/mockserver"
)

// Shape of the measurement; the flags default to these.
const (
	loadConns       = 1000                 // concurrent connections, each with one request at a time
	smallConns      = 100                  // a lighter run, for comparison
	idleConns       = 10                   // no load to speak of: what the machine alone adds
	dashboards      = 50                   // open GET /stats/stream clients in the dashboard rows
	dashboardPairs  = 2                    // rounds of A B B A (without, with, with, without)
	loadWarmup      = 2 * time.Second      // connecting and settling, not measured
	loadDuration    = 5 * time.Second      // measured window per row
	zeroDuration    = 3 * time.Second      // measured window at latency scale 0
	loadPath        = "/videos?n=100"      // the fixed-latency list endpoint
	loadLatency     = mockserver.ListDelay // its latency at scale 1
	loadTimeout     = 10 * time.Second     // per request
	shutdownTimeout = 10 * time.Second
)

// Targets.
const (
	targetShare         = 0.90 // of the ideal throughput at 1000 connections
	targetP99           = 1.2  // times the modelled latency
	targetDashboardCost = 0.05 // share of the 1000-connection throughput that 50 dashboards may take
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadbench:", err)
		}
		os.Exit(1)
	}
}

// config is what the command line asks for.
type config struct {
	cpuProfile                            string
	conns, small, idle, dashboards, pairs int
	warmup, window, zeroWindow            time.Duration
}

func parse(args []string, out io.Writer) (config, error) {
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.SetOutput(out)
	var c config
	fs.IntVar(&c.conns, "conns", loadConns, "connections of the main run")
	fs.IntVar(&c.small, "small", smallConns, "connections of the lighter run")
	fs.IntVar(&c.idle, "idle", idleConns, "connections of the no-load run")
	fs.IntVar(&c.dashboards, "dashboards", dashboards, "open dashboards (event-stream clients) in the dashboard rows; 0 skips them")
	fs.IntVar(&c.pairs, "pairs", dashboardPairs, "rounds of rows without and with dashboards, each in the order A B B A")
	fs.DurationVar(&c.warmup, "warmup", loadWarmup, "unmeasured time before each row")
	fs.DurationVar(&c.window, "duration", loadDuration, "measured time per row")
	fs.DurationVar(&c.zeroWindow, "zero-duration", zeroDuration, "measured time of the latency-scale-0 run")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof reads it)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case c.conns < 1 || c.small < 1 || c.idle < 1 || c.pairs < 1:
		return c, errors.New("-conns, -small, -idle and -pairs must be at least 1")
	case c.dashboards < 0 || c.dashboards > mockserver.MaxStreams:
		return c, fmt.Errorf("-dashboards %d: want 0..%d (the server's limit on open streams)", c.dashboards, mockserver.MaxStreams)
	case c.warmup < 0 || c.window <= 0 || c.zeroWindow <= 0:
		return c, errors.New("-warmup must be >= 0, -duration and -zero-duration > 0")
	}
	return c, nil
}

// loadRow is one row of the table.
type loadRow struct {
	name       string
	url        string
	conns      int
	dashboards int
	r          loadResult
	events     float64 // events per second per dashboard, in dashboard rows
}

func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parse(args, out)
	if err != nil {
		return err
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cfg := mockserver.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	srv, err := mockserver.Start(cfg)
	if err != nil {
		return err
	}
	defer stopServer(srv)
	body, err := fetch(srv.URL + loadPath)
	if err != nil {
		return err
	}
	bare, stopBare, err := startBareServer(loadLatency, body)
	if err != nil {
		return err
	}
	defer stopBare()
	cfg.LatencyScale = 0
	zero, err := mockserver.Start(cfg)
	if err != nil {
		return err
	}
	defer stopServer(zero)

	statFrom, statOK := readCPUStat()
	without := loadRow{name: "mock server", url: srv.URL, conns: c.conns}
	rows := []loadRow{without}
	if c.dashboards > 0 {
		with := loadRow{name: fmt.Sprintf("mock server + %d dashboards", c.dashboards), url: srv.URL, conns: c.conns, dashboards: c.dashboards}
		rows = rows[:0]
		for range c.pairs {
			rows = append(rows, without, with, with, without)
		}
	}
	rows = append(rows,
		loadRow{name: "mock server", url: srv.URL, conns: c.small},
		loadRow{name: "mock server, no load", url: srv.URL, conns: c.idle},
		loadRow{name: "bare fasthttp, same sleep", url: bare, conns: c.conns},
	)
	fmt.Fprintf(out, "load: GET %s (%v at scale 1), keep-alive connections on loopback, %v measured per row after %v of warm-up\n",
		loadPath, loadLatency, c.window, c.warmup)
	for i := range rows {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ds *dashboardClients
		if rows[i].dashboards > 0 {
			if ds, err = openDashboards(rows[i].url, rows[i].dashboards); err != nil {
				return err
			}
		}
		rows[i].r = drive(ctx, rows[i].url, rows[i].conns, c.warmup, c.window)
		if ds != nil {
			rows[i].events = ds.close()
			if ds.failed.Load() > 0 {
				return fmt.Errorf("%d dashboards lost their stream during the run", ds.failed.Load())
			}
		}
	}
	z := drive(ctx, zero.URL, c.conns, c.warmup, c.zeroWindow)
	statTo, _ := readCPUStat()
	if ctx.Err() != nil {
		return ctx.Err()
	}

	fmt.Fprintf(out, "targets at %d connections: >= %.0f%% of ideal, p99 <= %.1fx; %d dashboards take <= %.0f%% of the throughput\n",
		c.conns, 100*targetShare, targetP99, c.dashboards, 100*targetDashboardCost)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tconnections\treq/s\tof ideal\tp50\tp99\terrors\tCPU/request\tevents/s per dashboard\t")
	for _, row := range rows {
		share, p50, p99 := loadFigures(row.conns, row.r)
		events := ""
		if row.dashboards > 0 {
			events = fmt.Sprintf("%.1f", row.events)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.1f%%\t%.2fx\t%.2fx\t%d\t%v\t%s\t\n", row.name, row.conns, row.r.rate(), 100*share, p50, p99,
			row.r.errors, row.r.cpuPerRequest(), events)
	}
	_ = tw.Flush()
	fmt.Fprintln(out, "(CPU/request: client and server together, the process's CPU time over the requests)")
	fmt.Fprintf(out, "zero latency: %.0f req/s over %v (%d connections), p99 %v, errors %d\n",
		z.rate(), c.zeroWindow, c.conns, z.percentile(0.99).Round(time.Microsecond), z.errors)
	steal := "unknown"
	if statOK && statTo.total > statFrom.total {
		steal = fmt.Sprintf("%.1f%%", 100*float64(statTo.steal-statFrom.steal)/float64(statTo.total-statFrom.total))
	}
	fmt.Fprintf(out, "machine: %d CPUs, load average %s, CPU stolen by the host during the runs %s (client and servers share the CPUs)\n",
		runtime.NumCPU(), loadAverage(), steal)

	main := rows[0].r
	if c.dashboards > 0 {
		var without, with loadResult
		var events float64
		for _, row := range rows[:4*c.pairs] {
			if row.dashboards > 0 {
				with, events = merge(with, row.r), events+row.events
			} else {
				without = merge(without, row.r)
			}
		}
		main = without
		events /= float64(2 * c.pairs)
		fmt.Fprintln(out, "dashboards:", dashboardVerdict(c.dashboards, without.rate(), with.rate(), events))
		fmt.Fprintf(out, "dashboards: CPU per request %v with, %v without (client and server together)\n",
			with.cpuPerRequest(), without.cpuPerRequest())
	}
	last := len(rows) - 1
	share, _, p99 := loadFigures(c.conns, main)
	bareShare, _, bareP99 := loadFigures(c.conns, rows[last].r)
	fmt.Fprintln(out, "verdict:", loadVerdict(c.conns, share, p99, bareShare, bareP99))
	return nil
}

// loadVerdict reads the main rows: whether the mock server met the targets
// and, if not, whether the bare control (the same sleep with nothing else)
// met them on this machine, i.e. whether the server or the machine is what
// stands in the way.
func loadVerdict(conns int, share, p99, bareShare, bareP99 float64) string {
	meets := func(share, p99 float64) bool { return share >= targetShare && p99 <= targetP99 }
	switch {
	case meets(share, p99):
		return fmt.Sprintf("targets met (%.1f%% of ideal, p99 %.2fx)", 100*share, p99)
	case meets(bareShare, bareP99):
		return fmt.Sprintf("targets missed (%.1f%%, p99 %.2fx) while the bare control met them (%.1f%%, p99 %.2fx): the mock server's own work stands in the way",
			100*share, p99, 100*bareShare, bareP99)
	default:
		return fmt.Sprintf("targets missed (%.1f%%, p99 %.2fx), and by the bare control too (%.1f%%, p99 %.2fx): in this run on this machine, not even a server that only sleeps met them at %d connections",
			100*share, p99, 100*bareShare, bareP99, conns)
	}
}

// dashboardVerdict compares the throughput with and without the dashboards.
func dashboardVerdict(n int, without, with, events float64) string {
	cost := 1 - with/without
	verdict := "within"
	if cost > targetDashboardCost {
		verdict = "over"
	}
	return fmt.Sprintf("%d open dashboards took %.1f%% of the throughput (%.0f req/s with, %.0f without; each got %.1f events/s): %s the %.0f%% target",
		n, 100*cost, with, without, events, verdict, 100*targetDashboardCost)
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

func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(int(p*float64(len(r.latencies))), len(r.latencies)-1)]
}

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
// so the client spends as little CPU as possible beside the server.
func drive(ctx context.Context, url string, conns int, warmup, window time.Duration) loadResult {
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
				if t0.After(to) || ctx.Err() != nil {
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

// startBareServer runs a plain fasthttp server on loopback whose only handler
// sleeps delay and answers body: close to the least work a Go HTTP server can
// do for the list endpoint. Measured beside the mock server, it shows how much
// of the tail is the machine's rather than the mock server's.
func startBareServer(delay time.Duration, body []byte) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &fasthttp.Server{Handler: func(c *fasthttp.RequestCtx) {
		time.Sleep(delay)
		c.SetContentType("application/json")
		c.SetBody(body)
	}}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Shutdown(); <-done }, nil
}

func stopServer(r *mockserver.Running) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	_ = r.Stop(ctx)
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
