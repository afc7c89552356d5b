package concurrency

// Async runs f in a new goroutine and returns a channel that delivers its
// result once: the counterpart of asyncio.create_task, and receiving from
// the channel is the counterpart of await task.
func Async[T any](f func() T) <-chan T {
	ch := make(chan T, 1) // buffered: the goroutine never blocks, even if nobody receives
	go func() { ch <- f() }()
	return ch
}
