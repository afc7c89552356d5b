// Package cli is the shared main of the programs in snippets/cmd: each
// program's body is a function of (context, arguments, output) that its tests
// call directly, and Main runs it for real.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// RunFunc is a program's body: it parses args with a flag.FlagSet that
// prints to stdout and returns flag.ErrHelp for -h.
type RunFunc func(ctx context.Context, args []string, stdout io.Writer) error

// Main runs run with os.Args[1:] and os.Stdout. The first Ctrl+C cancels
// run's context, so the program can stop cleanly; a second one kills a
// program that is slow to stop. An error is printed and exits 1; -h exits 0.
func Main(run RunFunc) {
	ctx, stop := interruptContext()
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return // -h: the usage is printed
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// interruptContext returns a context that the first Ctrl+C (SIGINT)
// cancels. The signal stops being caught before the context is cancelled, so
// once anything sees ctx.Done(), another Ctrl+C has its default effect and
// ends the process. stop releases the signal and the context.
func interruptContext() (ctx context.Context, stop func()) {
	caught, release := signal.NotifyContext(context.Background(), os.Interrupt)
	ctx, cancel := context.WithCancel(context.Background())
	stop = func() {
		release()
		cancel()
	}
	context.AfterFunc(caught, stop)
	return ctx, stop
}

// DefaultError returns err, the error met while reading the default of the
// flag name (from an environment variable, say), unless that flag was given
// on the command line: then the default does not matter. So a bad
// environment value stops a program only where it would be used, and never
// stops -h. Call it after fs.Parse.
func DefaultError(fs *flag.FlagSet, name string, err error) error {
	if err == nil {
		return nil
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	if given {
		return nil
	}
	return fmt.Errorf("%w (or give -%s)", err, name)
}
