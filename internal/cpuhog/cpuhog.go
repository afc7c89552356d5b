// Package cpuhog keeps CPU cores busy, as another program on a busy laptop
// does, so that a check of timings can be proved to hold under load.
//
// A test starts a hog with Start: a child process (the test binary itself,
// told by an environment variable to spin) whose threads each keep one core
// busy, pinned to the last cores of the machine where the system allows it
// (Linux). The hog stops when the test ends, and by itself when the test
// process dies, since it watches its standard input. From a shell,
// scripts/cpuhog does the same:
//
//	go run ./scripts/cpuhog -cores 1 &   # one core busy until stopped
package cpuhog

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// envCores is the environment variable that turns a process importing this
// package into a hog of that many cores, before its main (or its tests)
// starts.
const envCores = "WORKSHOP_CPUHOG_CORES"

// ready is the line a hog prints once it spins.
const ready = "cpuhog: spinning"

// MaxLifetime bounds how long a hog started by Start runs, whatever happens
// to the process that started it.
const MaxLifetime = 2 * time.Hour

func init() {
	v, ok := os.LookupEnv(envCores)
	if !ok {
		return
	}
	cores, err := strconv.Atoi(v)
	if err != nil || cores < 1 {
		fmt.Fprintf(os.Stderr, "cpuhog: %s=%q is not a number of cores\n", envCores, v)
		os.Exit(2)
	}
	// Spin until the parent closes our standard input (or dies), or for
	// MaxLifetime at most; say so once spinning.
	ctx, cancel := context.WithTimeout(context.Background(), MaxLifetime)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	go func() {
		time.Sleep(10 * time.Millisecond) // the spinning threads' time to start
		fmt.Println(ready)
	}()
	Spin(ctx, cores)
	os.Exit(0)
}

// Spin keeps cores cores busy until ctx ends. Each core is a goroutine
// locked to its own thread, spinning on a loop that does no system calls;
// on Linux the i-th thread is pinned to the i-th core from the last, so the
// hog holds whole cores and leaves the first ones to the rest.
func Spin(ctx context.Context, cores int) {
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range cores {
		wg.Go(func() {
			runtime.LockOSThread()
			pin(runtime.NumCPU() - 1 - i%runtime.NumCPU())
			x := uint64(i)
			for !stop.Load() {
				for range 1 << 16 { // work between two looks at stop
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			sink.Add(x)
		})
	}
	<-ctx.Done()
	stop.Store(true)
	wg.Wait()
}

// sink keeps the compiler from dropping the spinning loop's work.
var sink atomic.Uint64

// Start starts a hog of cores cores beside the test and stops it when the
// test ends, and returns its process id. The hog is a child process, so the
// operating system shares the cores between it and everything the test
// runs, as it would with any other program.
func Start(t testing.TB, cores int) (pid int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("cpuhog: %v", err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envCores+"="+strconv.Itoa(cores))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("cpuhog: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("cpuhog: %v", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("cpuhog: starting the hog: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("cpuhog: the hog ended with %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("cpuhog: the hog did not stop within 10 s of its input closing; killed")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != ready {
		t.Fatalf("cpuhog: the hog did not start spinning: %q %v", line, err)
	}
	t.Logf("cpuhog: %d core(s) kept busy by process %d", cores, cmd.Process.Pid)
	return cmd.Process.Pid
}
