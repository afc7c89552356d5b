// Package contentwarnings is the talk's content-warnings app in Go: for each
// video, fetch it and its transcript, run a CPU-heavy "model" that flags
// transcripts mentioning NASA, and save the warnings back to the server.
//
// It comes in three versions. Sync does one video after another. Attempt is
// the naive port of asyncio.gather over every video: one goroutine per
// video, no limits, which overloads the server. Final bounds each endpoint
// with a semaphore (like asyncio.Semaphore), cancels everything on the first
// error (errgroup.WithContext, like a TaskGroup), and runs the model on at
// most GOMAXPROCS goroutines, since in Go, unlike asyncio, CPU work really
// does run in parallel on every core.
package contentwarnings
