// Command limiteddownload fetches -n videos twice: all at once, then with a
// semaphore letting only -limit requests out at a time. It prints the wall
// time and what the server saw: unlimited requests queue up and are served
// ever more slowly, while the limited run is faster and keeps it healthy.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/snippets/lesson/concurrency"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("limiteddownload", flag.ContinueOnError)
	fs.SetOutput(stdout)
	n := fs.Int("n", 100, "number of videos")
	limit := fs.Int("limit", 10, "requests in flight at once in the limited run")
	api := fs.String("api", videoapi.BaseURL(), "base URL of the server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *limit < 1 {
		return fmt.Errorf("-n %d -limit %d: want both at least 1", *n, *limit)
	}
	c := videoapi.New(*api)
	defer c.CloseIdleConnections()
	if err := c.Healthy(ctx); err != nil {
		return err
	}
	ids, err := c.ListIDs(ctx, *n)
	if err != nil {
		return err
	}
	video := func(ctx context.Context, i int) (videoapi.Video, error) { return c.Video(ctx, ids[i]) }

	runs := []struct {
		name string
		do   func() ([]videoapi.Video, error)
	}{
		{"unlimited", func() ([]videoapi.Video, error) { return concurrency.Concurrent(ctx, len(ids), video) }},
		{fmt.Sprintf("limited to %d", *limit), func() ([]videoapi.Video, error) {
			return concurrency.LimitedWeighted(ctx, len(ids), *limit, video)
		}},
	}
	for _, r := range runs {
		if err := c.ResetStats(ctx); err != nil {
			return err
		}
		start := time.Now()
		if _, err := r.do(); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		wall := time.Since(start)
		stats, err := c.Stats(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-14s %d videos in %.2fs | server: %s\n", r.name+":", len(ids), wall.Seconds(), stats["video"])
	}
	return nil
}
