package concurrency

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Task prints that it runs, sleeps for d (standing in for I/O), and prints
// that it finished. w must be safe for concurrent writes (os.Stdout is).
func Task(w io.Writer, name string, d time.Duration) {
	fmt.Fprintf(w, "running %s\n", name)
	time.Sleep(d)
	fmt.Fprintf(w, "finished %s\n", name)
}

// TwoTasksSequential runs two tasks one after the other: about 2*d.
func TwoTasksSequential(w io.Writer, d time.Duration) time.Duration {
	start := time.Now()
	Task(w, "task 1", d)
	Task(w, "task 2", d)
	return time.Since(start)
}

// TwoTasksConcurrent runs both tasks in goroutines and waits for both:
// about d, because their sleeps overlap.
func TwoTasksConcurrent(w io.Writer, d time.Duration) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() { Task(w, "task 1", d) })
	wg.Go(func() { Task(w, "task 2", d) })
	wg.Wait()
	return time.Since(start)
}
