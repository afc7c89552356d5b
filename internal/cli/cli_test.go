//go:build unix

package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"testing"
	"time"
)

// childEnv names the body that the test binary runs through Main when the
// tests start it as a separate program.
const childEnv = "CLI_TEST_CHILD"

// waitLimit bounds every wait on the child; reaching it fails the test.
const waitLimit = 30 * time.Second

// children are the program bodies the tests run in a real process.
var children = map[string]RunFunc{
	// stops returns as soon as its context is cancelled.
	"stops": func(ctx context.Context, _ []string, stdout io.Writer) error {
		fmt.Fprintln(stdout, "ready")
		<-ctx.Done()
		fmt.Fprintln(stdout, "stopping")
		return nil
	},
	// slow goes on working for a minute after its context is cancelled.
	"slow": func(ctx context.Context, _ []string, stdout io.Writer) error {
		fmt.Fprintln(stdout, "ready")
		<-ctx.Done()
		fmt.Fprintln(stdout, "stopping")
		time.Sleep(time.Minute)
		return errors.New("still running a minute after Ctrl+C")
	},
	"fails": func(context.Context, []string, io.Writer) error { return errors.New("no server") },
	"help":  func(context.Context, []string, io.Writer) error { return flag.ErrHelp },
}

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		Main(children[name])
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestMainSignalsAndExits runs Main in a real process, sends it real SIGINTs
// as Ctrl+C in a terminal does, and checks how the process ends.
func TestMainSignalsAndExits(t *testing.T) {
	// A process started with SIGINT ignored (as background jobs of a shell
	// script are) passes that on to its children; catching it here while the
	// children start gives them the default, as in a terminal.
	keep := make(chan os.Signal, 1)
	signal.Notify(keep, os.Interrupt)
	defer signal.Stop(keep)

	tests := []struct {
		name       string
		child      string
		interrupts int    // Ctrl+Cs: the first once the program is ready, the next once it is stopping
		want       string // how the process ends
		stderr     string // what it prints there
	}{
		{"one Ctrl+C cancels the context; the program ends itself", "stops", 1, "exit status 0", ""},
		{"a second Ctrl+C ends a program that is slow to stop", "slow", 2, "signal: interrupt", ""},
		{"an error is printed and exits 1", "fails", 0, "exit status 1", "error: no server\n"},
		{"-h exits 0", "help", 0, "exit status 0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), childEnv+"="+tt.child)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			lines := make(chan string)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
				done <- cmd.Wait()
			}()
			t.Cleanup(func() { _ = cmd.Process.Kill() })

			// expect waits for the child to print line.
			expect := func(line string) {
				t.Helper()
				select {
				case got, ok := <-lines:
					if !ok || got != line {
						t.Fatalf("the program printed %q (open: %v), want %q", got, ok, line)
					}
				case <-time.After(waitLimit):
					t.Fatalf("the program did not print %q within %v", line, waitLimit)
				}
			}
			if tt.interrupts > 0 {
				expect("ready") // Main catches SIGINT from here on
			}
			for i := range tt.interrupts {
				if err := cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					expect("stopping")
				}
			}
			go func() {
				for range lines { // the rest of the output
				}
			}()
			select {
			case err := <-done:
				got := "exit status 0"
				if err != nil {
					got = err.Error()
				}
				if got != tt.want {
					t.Errorf("the program ended with %q, want %q", got, tt.want)
				}
			case <-time.After(waitLimit):
				t.Fatalf("the program was still running %v after the last Ctrl+C", waitLimit)
			}
			if stderr.String() != tt.stderr {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.stderr)
			}
		})
	}
}
