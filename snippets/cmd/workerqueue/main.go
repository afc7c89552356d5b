// Command workerqueue puts -n posts on a queue (a channel) that -workers
// goroutines take from, printing what each worker does, and the total time.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/snippets/lesson/concurrency"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("workerqueue", flag.ContinueOnError)
	fs.SetOutput(stdout)
	n := fs.Int("n", 20, "number of posts to fetch (1..100)")
	workers := fs.Int("workers", 4, "number of workers")
	api := fs.String("api", videoapi.BaseURL(), "base URL of the server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > 100 || *workers < 1 {
		return fmt.Errorf("-n %d -workers %d: want 1..100 posts and at least 1 worker", *n, *workers)
	}
	c := videoapi.New(*api)
	defer c.CloseIdleConnections()
	if err := c.Healthy(ctx); err != nil {
		return err
	}
	ids := make([]int, *n)
	for i := range ids {
		ids[i] = i + 1
	}
	var mu sync.Mutex // one print at a time
	say := func(format string, a ...any) { mu.Lock(); fmt.Fprintf(stdout, format, a...); mu.Unlock() }

	start := time.Now()
	errs, err := concurrency.WorkerPool(ctx, ids, *workers, func(ctx context.Context, w, id int) error {
		say("worker %d started post %d\n", w+1, id)
		p, err := c.Post(ctx, id)
		if err == nil {
			say("worker %d finished post %d: %q\n", w+1, id, p.Title)
		}
		return err
	})
	wall := time.Since(start)
	if err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%d workers fetched %d posts in %.2fs\n", *workers, *n, wall.Seconds())
	return nil
}
