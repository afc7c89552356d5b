// Package subprocess runs a piece of a program in a separate process and shows
// what that process printed, so that a notebook cell can demonstrate a
// program that crashes (a deadlock, a panic) or a data race report without
// failing itself.
//
//	subprocess.Run(func() {
//		ch := make(chan int)
//		ch <- 1 // nobody receives: the runtime stops the program
//	})
//
// Run starts a copy of the running program. The copy runs main again up to
// the same call of Run, runs the function there and exits; everything it
// printed from that point on (standard output and error, interleaved as
// written), cleaned by Clean, is printed by the original program, indented,
// followed by how the copy ended. What main does before the call therefore
// happens twice, once in each process: in a notebook cell, call Run first.
//
// The runtime's deadlock detection ("all goroutines are asleep") works only
// in programs built without -race that do not link C code (cgo; on Linux a
// program importing net usually does): elsewhere a deadlocked copy just
// waits, and Run stops it after Timeout.
package subprocess

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// EnvCall names the environment variable that tells a copy of the program
// which call of Run it is for (1 for the first call, and so on).
const EnvCall = "WORKSHOP_SUBPROCESS_CALL"

// Timeout bounds how long the copy may run: a function that blocks forever
// without the runtime noticing (a goroutine waiting on a timer, or any
// deadlock in a program built with -race or linking C code) is stopped after
// it.
const Timeout = 30 * time.Second

// Exit statuses Run explains.
const (
	// ExitCrash is the status of a Go program stopped by an unrecovered
	// panic or a fatal runtime error such as a deadlock.
	ExitCrash = 2
	// ExitRace is the status of a program built with -race that found a
	// data race (unless GORACE sets another exitcode).
	ExitRace = 66
)

// start is what the copy prints when it reaches its call of Run: the
// original keeps only what follows it.
const start = "\x00subprocess: start\x00\n"

// Outcome is how the separate process ended and what it printed.
type Outcome struct {
	// Output is what the process printed from the start of the function on,
	// cleaned by Clean.
	Output string
	// ExitCode is the process's exit status (0 when it ran to the end).
	ExitCode int
	// TimedOut reports that the process was stopped after Timeout.
	TimedOut bool
}

// calls counts the calls of Run in this process.
var calls atomic.Int64

// Hooks for tests.
var (
	// childArgs are the arguments the copy of the program starts with.
	childArgs = func() []string { return os.Args[1:] }
	// stdout receives what Run prints.
	stdout io.Writer = os.Stdout
	// exit ends the copy after the function returned.
	exit = os.Exit
)

// Run runs f in a separate copy of this program, prints what that copy
// printed (indented) and how it ended, and returns the outcome. In the copy
// itself, Run runs f and exits when it reaches the call it was started for,
// and does nothing at the calls before it.
func Run(f func()) Outcome {
	n := calls.Add(1)
	if want := os.Getenv(EnvCall); want != "" {
		if want == strconv.FormatInt(n, 10) {
			fmt.Fprint(os.Stderr, start)
			f()
			exit(0)
		}
		return Outcome{}
	}
	o, err := run(n)
	if err != nil {
		fmt.Fprintln(stdout, "could not start a separate process:", err)
		return o
	}
	fmt.Fprint(stdout, o)
	return o
}

// run starts a copy of this program for call n and waits for it.
func run(n int64) (Outcome, error) {
	exe, err := os.Executable()
	if err != nil {
		return Outcome{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, childArgs()...)
	cmd.Env = append(childEnv(os.Environ()), EnvCall+"="+strconv.FormatInt(n, 10), raceOptions())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // one writer: the copy's lines stay in order
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	o := Outcome{TimedOut: ctx.Err() != nil}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		o.ExitCode = exitErr.ExitCode()
	case err != nil && !o.TimedOut:
		return o, err
	}
	text := out.String()
	if _, after, found := strings.Cut(text, start); found {
		text = after
	}
	o.Output = Clean(text)
	return o, nil
}

// raceOptions returns GORACE for the copy: the caller's options, and no
// pause at exit (by default a program built with -race sleeps a second before
// exiting, to let other goroutines finish reporting; the copy's function has
// returned by then).
func raceOptions() string {
	opts := os.Getenv("GORACE")
	if !strings.Contains(opts, "atexit_sleep_ms") {
		opts = strings.TrimSpace(opts + " atexit_sleep_ms=0")
	}
	return "GORACE=" + opts
}

// childEnv returns env without the variables through which a GoNB kernel
// receives rich output: the copy prints plain text, which Run shows.
func childEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name == EnvCall || name == "GORACE" || strings.HasPrefix(name, "GONB_PIPE") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// String shows the outcome as Run prints it: the output indented with "  | ",
// then a line saying how the process ended.
func (o Outcome) String() string {
	var b strings.Builder
	b.WriteString("A separate process printed:\n")
	text := strings.TrimRight(o.Output, "\n")
	if text == "" {
		b.WriteString("  | (nothing)\n")
	} else {
		for _, line := range strings.Split(text, "\n") {
			b.WriteString(strings.TrimRight("  | "+line, " ") + "\n")
		}
	}
	b.WriteString(o.Ending() + "\n")
	return b.String()
}

// Ending says in words how the process ended.
func (o Outcome) Ending() string {
	switch {
	case o.TimedOut:
		return fmt.Sprintf("It did not end within %v and was stopped. (If it was deadlocked: a program built with -race or linking C code cannot notice that, it just waits.)", Timeout)
	case o.ExitCode == 0:
		return "It ran to the end (exit status 0)."
	case o.ExitCode == ExitCrash:
		return "It was stopped by Go's runtime (exit status 2: an unrecovered panic or a fatal error)."
	case o.ExitCode == ExitRace:
		return "It ran to the end, then exited with status 66: the race detector found a data race."
	}
	return fmt.Sprintf("It ended with exit status %d.", o.ExitCode)
}
