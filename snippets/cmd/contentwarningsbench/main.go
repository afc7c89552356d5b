// Command contentwarningsbench measures the content-warnings app: for each model work
// level it runs Sync, Attempt and Final over the same videos and prints their
// wall times with what the server saw, the speed-ups, and how close Final
// comes to its physical bound.
//
//	go run ./snippets/cmd/contentwarningsbench            # in-process server, latency scale 1
//	go run ./snippets/cmd/contentwarningsbench -n 30 -work 10,0.5,0
//	go run ./snippets/cmd/contentwarningsbench -api http://127.0.0.1:8000 -scale 1
//
// The bound is the larger of two lower limits on Final's wall time:
//   - CPU: list + first fetch + (videos x CPU per video) / cores + save, where
//     the CPU per video is the process CPU of the sync run divided by the
//     number of videos (the model plus its share of HTTP work);
//   - I/O: list + the slowest endpoint's queue under Final's semaphores and
//     the server's minimum delays + the last video's model + save.
//
// Efficiency = bound / measured (1.0 = nothing left to gain). The CPU share
// the process got during each run is printed too, and how busy Final kept
// its model slots: on a machine shared with other work they show when the
// cores, not the program, were the limit.
//
// By default the server runs in-process, so its latency scale is known
// exactly and no other client shares it; with -api, -scale must match the
// server's setting.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/internal/cpustat"
	"github.com/go-async-workshop/workshop/snippets/tool/workload"
	"golang.org/x/sync/errgroup"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	cw "github.com/go-async-workshop/workshop/snippets/lesson/contentwarnings"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// calibrationPasses is how many SHA-512 passes time the model.
const calibrationPasses = 3

func main() { cli.Main(run) }

// config is what the command line asks for.
type config struct {
	n     int
	works []float64
	api   string
	scale float64
}

func parse(args []string, stdout io.Writer) (config, error) {
	fs := flag.NewFlagSet("contentwarningsbench", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var c config
	videos, videosErr := workload.Videos()
	fs.IntVar(&c.n, "n", videos, "number of videos ($"+workload.EnvVideos+")")
	works := fs.String("work", strconv.FormatFloat(workload.DefaultModelWork, 'g', -1, 64), "comma-separated model work levels (SHA-512 passes over 100 MB per video)")
	fs.StringVar(&c.api, "api", "", "use the server at this URL instead of starting one in-process")
	fs.Float64Var(&c.scale, "scale", 1, "latency scale (of the in-process server, or the one -api runs with)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := cli.DefaultError(fs, "n", videosErr); err != nil {
		return c, err
	}
	if c.n < 1 {
		return c, fmt.Errorf("-n %d: want at least 1", c.n)
	}
	if c.scale < 0 || c.scale > mockserver.MaxLatencyScale {
		return c, fmt.Errorf("-scale %g: want 0..%g", c.scale, mockserver.MaxLatencyScale)
	}
	for _, w := range strings.Split(*works, ",") {
		v, err := workload.ParseModelWork(w)
		if err != nil {
			return c, fmt.Errorf("-work %q: %w", *works, err)
		}
		c.works = append(c.works, v)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parse(args, stdout)
	if err != nil {
		return err
	}
	where := c.api
	if c.api == "" {
		url, stop, err := startServer(c.scale, c.n)
		if err != nil {
			return err
		}
		defer stop()
		c.api, where = url, "in-process at "+url
	}
	client := videoapi.New(c.api)
	defer client.CloseIdleConnections()
	if err := client.Healthy(ctx); err != nil {
		return err
	}

	cores := runtime.GOMAXPROCS(0)
	pass := measurePass()
	fmt.Fprintf(stdout, "contentwarningsbench: %d videos, %d cores (GOMAXPROCS), server %s, latency scale %g\n", c.n, cores, where, c.scale)
	fmt.Fprintf(stdout, "model: one SHA-512 pass over 100 MB = %.3fs CPU (%.3fs wall)\n", pass.cpu.Seconds(), pass.wall.Seconds())

	for _, work := range c.works {
		perVideo := time.Duration(work * float64(pass.cpu))
		fmt.Fprintf(stdout, "\n== model work %g: %.3fs CPU per video\n", work, perVideo.Seconds())
		walls := map[string]time.Duration{}
		var syncCPU time.Duration
		for _, mode := range []string{"sync", "attempt", "final"} {
			if err := stale(ctx, client, c.n); err != nil {
				return err
			}
			rec := timeline.New()
			o := cw.Options{Client: client, N: c.n, Model: cw.Model{Work: work}, Timeline: rec}
			pipeline := map[string]func(context.Context, cw.Options) (cw.Result, error){
				"sync": cw.Sync, "attempt": cw.Attempt, "final": cw.Final,
			}[mode]
			cpu0 := cpustat.Process()
			res, err := pipeline(ctx, o)
			cpu := cpustat.Process() - cpu0
			rec.Stop()
			if err != nil {
				return fmt.Errorf("%s: %w", mode, err)
			}
			server, err := client.Stats(ctx) // before Verify adds its own requests
			if err != nil {
				return err
			}
			if err := cw.Verify(ctx, client, c.n, res); err != nil {
				return fmt.Errorf("%s: %w", mode, err)
			}
			walls[mode] = res.Wall
			if mode == "sync" {
				syncCPU = cpu
			}
			fmt.Fprintf(stdout, "%-7s wall %8.2fs  verified, %d flagged | %s\n", mode, res.Wall.Seconds(), len(res.Flagged), rec.Summary())
			fmt.Fprintf(stdout, "        server video gate: %s\n        server transcript gate: %s\n", server["video"], server["transcript"])
			fmt.Fprintf(stdout, "      process CPU %.2fs = %.0f%% of %d cores over the run\n",
				cpu.Seconds(), 100*cpu.Seconds()/(res.Wall.Seconds()*float64(cores)), cores)
			if mode == "final" && work > 0 {
				fmt.Fprintf(stdout, "      model slots busy %.1f%% of the model phase (%d slots)\n",
					100*occupancy(rec.Spans(), cw.LaneModel, cores), cores)
			}
		}
		if work > 0 && syncCPU > 0 {
			// The sync run did nothing but this work, one video at a time:
			// its process CPU per video is a steadier figure than a few passes.
			perVideo = syncCPU / time.Duration(c.n)
			fmt.Fprintf(stdout, "model CPU per video over the sync run: %.3fs (used for the bound)\n", perVideo.Seconds())
		}
		b := finalBound(c.n, c.scale, perVideo, cores)
		fmt.Fprintf(stdout, "sync / final: %.2fx   attempt / final: %.2fx\n",
			walls["sync"].Seconds()/walls["final"].Seconds(), walls["attempt"].Seconds()/walls["final"].Seconds())
		fmt.Fprintf(stdout, "final bound: max(CPU %.2fs, I/O %.2fs) = %.2fs -> efficiency %.3f\n",
			b.cpu.Seconds(), b.io.Seconds(), b.max().Seconds(), b.max().Seconds()/walls["final"].Seconds())
	}
	return nil
}

// startServer runs the mock server in this process on a loopback port.
func startServer(scale float64, n int) (url string, stop func(), err error) {
	cfg := mockserver.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.LatencyScale = scale
	cfg.Videos = max(n, mockserver.DefaultVideos)
	srv, err := mockserver.Start(cfg)
	if err != nil {
		return "", nil, err
	}
	return srv.URL, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(ctx)
	}, nil
}

// stale overwrites the warnings of the first n videos, so Verify only passes
// if the next run saves every one of them again.
func stale(ctx context.Context, c *videoapi.Client, n int) error {
	ids, err := c.ListIDs(ctx, n)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(10)
	for _, id := range ids {
		g.Go(func() error { return c.SaveWarnings(gctx, id, []string{"stale"}) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return c.ResetStats(ctx)
}

// passTime is the cost of one model pass.
type passTime struct{ cpu, wall time.Duration }

// measurePass times a few model passes on one OS thread, by that thread's
// CPU time (what the bound needs) and by the clock.
func measurePass() passTime {
	cw.Model{Work: 1}.Warnings("") // allocate the buffer first
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, start := cpustat.Thread(), time.Now()
	cw.Model{Work: calibrationPasses}.Warnings("")
	wall := time.Since(start)
	cpu := cpustat.Thread() - cpu0
	if cpu <= 0 { // no per-thread clock: fall back to the wall time
		cpu = wall
	}
	return passTime{cpu / calibrationPasses, wall / calibrationPasses}
}

// occupancy is the share of the time from the first span of lane to the
// last one during which all slots of that lane were in use (1 = the
// pipeline never left a model slot idle, whatever CPU the machine gave it).
func occupancy(spans []timeline.Span, lane string, slots int) float64 {
	var first, last, busy time.Duration = -1, 0, 0
	for _, s := range spans {
		if s.Lane != lane {
			continue
		}
		if first < 0 || s.Start < first {
			first = s.Start
		}
		last = max(last, s.End)
		busy += s.End - s.Start
	}
	if first < 0 || last <= first {
		return 0
	}
	return min(1, busy.Seconds()/(float64(slots)*(last-first).Seconds()))
}

// bound holds the two lower limits on Final's wall time.
type bound struct{ cpu, io time.Duration }

func (b bound) max() time.Duration { return max(b.cpu, b.io) }

// finalBound computes Final's lower limits for n videos at the given latency
// scale, model CPU per video and core count.
func finalBound(n int, scale float64, perVideo time.Duration, cores int) bound {
	at := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	rounds := func(limit, capacity int) int {
		// Final never has more in flight than the server's capacity, so no
		// request waits at the server: each round takes the minimum delay.
		return int(math.Ceil(float64(n) / float64(min(limit, capacity))))
	}
	list, save := at(mockserver.ListDelay), at(mockserver.PatchDelay)
	videoQueue := time.Duration(rounds(cw.VideoLimit, mockserver.VideoCapacity)) * at(mockserver.VideoMinDelay)
	transcriptQueue := time.Duration(rounds(cw.TranscriptLimit, mockserver.TranscriptCapacity)) * at(mockserver.TranscriptMinDelay)
	firstFetch := max(at(mockserver.VideoMinDelay), at(mockserver.TranscriptMinDelay))
	return bound{
		cpu: list + firstFetch + time.Duration(n)*perVideo/time.Duration(cores) + save,
		io:  list + max(videoQueue, transcriptQueue) + perVideo + save,
	}
}
