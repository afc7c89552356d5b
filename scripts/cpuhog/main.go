// Command cpuhog keeps CPU cores busy until it is stopped (Ctrl+C, SIGTERM)
// or its time is up: the "other program" of a busy laptop, for proving that
// the workshop's checks hold under load. On Linux each busy thread is pinned
// to one of the last cores.
//
//	go run ./scripts/cpuhog -cores 1 -for 30m &
//	make test
//	kill %1
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/go-async-workshop/workshop/internal/cpuhog"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cpuhog:", err)
		os.Exit(2)
	}
}

// run parses the flags and spins until ctx ends, a signal comes or the time
// is up.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("cpuhog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cores := fs.Int("cores", 1, "cores to keep busy")
	limit := fs.Duration("for", cpuhog.MaxLifetime, "stop after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cores < 1 || *cores > runtime.NumCPU() {
		return fmt.Errorf("-cores %d: want 1 to %d (the machine's cores)", *cores, runtime.NumCPU())
	}
	if *limit <= 0 {
		return fmt.Errorf("-for %v: want a positive duration", *limit)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	fmt.Fprintf(stderr, "cpuhog: keeping %d of %d cores busy for at most %v (pid %d)\n", *cores, runtime.NumCPU(), *limit, os.Getpid())
	cpuhog.Spin(ctx, *cores)
	return nil
}
