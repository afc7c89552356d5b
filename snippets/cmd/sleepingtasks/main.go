// Command sleepingtasks runs two tasks that each sleep for -d, first one
// after the other, then concurrently in goroutines, and prints both times:
// about 2 s, then about 1 s.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/internal/syncwriter"
	"github.com/go-async-workshop/workshop/snippets/lesson/concurrency"
)

func main() { cli.Main(run) }

func run(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sleepingtasks", flag.ContinueOnError)
	fs.SetOutput(stdout)
	d := fs.Duration("d", time.Second, "how long each task sleeps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *d <= 0 {
		return fmt.Errorf("-d %v: want a positive duration", *d)
	}
	stdout = syncwriter.New(stdout) // the tasks print from two goroutines
	seq := concurrency.TwoTasksSequential(stdout, *d)
	fmt.Fprintf(stdout, "sequential: finished in %.2fs\n", seq.Seconds())
	con := concurrency.TwoTasksConcurrent(stdout, *d)
	fmt.Fprintf(stdout, "concurrent: finished in %.2fs\n", con.Seconds())
	fmt.Fprintf(stdout, "speed-up: %.1fx\n", seq.Seconds()/con.Seconds())
	return nil
}
