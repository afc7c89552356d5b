// Package concurrency holds Go's concurrency patterns as small functions, one
// file per pattern, each the counterpart of an asyncio idiom.
//
// Where asyncio runs coroutines on one event loop and needs await to switch
// between them, Go runs goroutines on all cores and switches whenever one
// blocks. So there is no async/await: a plain function call blocks, the go
// statement starts it concurrently, and channels, sync.WaitGroup,
// errgroup, semaphores and context do what gather, Queue, Semaphore,
// TaskGroup and cancellation do in asyncio.
package concurrency
