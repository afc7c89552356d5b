// Command posts fetches -n posts from the mock server one after another,
// then all at once in goroutines (with a connection limit, like aiohttp's
// TCPConnector(limit=10)), and prints both times and the speed-up.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// maxConnections caps the connections of the concurrent run.
const maxConnections = 10

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("posts", flag.ContinueOnError)
	fs.SetOutput(stdout)
	n := fs.Int("n", 10, "number of posts (1..100)")
	api := fs.String("api", videoapi.BaseURL(), "base URL of the server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *n > 100 {
		return fmt.Errorf("-n %d: want 1..100", *n)
	}
	c := videoapi.New(*api, videoapi.WithMaxConnsPerHost(maxConnections))
	defer c.CloseIdleConnections()
	if err := c.Healthy(ctx); err != nil {
		return err
	}

	// Synchronous: each fetch waits for the one before.
	start := time.Now()
	for id := 1; id <= *n; id++ {
		fmt.Fprintf(stdout, "fetching post %d, ", id)
		if _, err := c.Post(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "fetched post %d, ", id)
	}
	seq := time.Since(start)
	fmt.Fprintf(stdout, "\nsync: finished in %.2fs\n", seq.Seconds())

	// Concurrent: one goroutine per post; the order of the lines varies.
	var mu sync.Mutex // one print at a time
	say := func(format string, id int) { mu.Lock(); fmt.Fprintf(stdout, format, id); mu.Unlock() }
	errs := make([]error, *n+1)
	start = time.Now()
	var wg sync.WaitGroup
	for id := 1; id <= *n; id++ {
		wg.Go(func() {
			say("fetching post %d, ", id)
			_, errs[id] = c.Post(ctx, id)
			say("fetched post %d, ", id)
		})
	}
	wg.Wait()
	con := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\nconcurrent: finished in %.2fs\n", con.Seconds())
	fmt.Fprintf(stdout, "speed-up: %.1fx\n", seq.Seconds()/con.Seconds())
	return nil
}
