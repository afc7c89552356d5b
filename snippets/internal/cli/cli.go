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

// Main runs run with os.Args[1:] and os.Stdout. Ctrl+C cancels its context
// (a second one kills the program); an error is printed and exits 1.
func Main(run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
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
