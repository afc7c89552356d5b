package gate

import (
	"container/heap"
	"time"
)

// Predict returns how long n requests take through a gate with the given
// capacity, minimum delay and step (at scale) when the client keeps at most
// limit of them outstanding: it sends limit at once, then a new one each time
// an answer arrives. It follows the gate's rule exactly: a request that finds
// a free slot holds it for the minimum delay; one that queued holds it for the
// minimum delay plus Step for each request still queued behind it when its
// slot is handed over, counting at most DegradeCap of them. Network and
// processing time are taken as zero, so a measured run takes a little longer.
// limit < 1 or limit > n means n (all at once).
func Predict(cfg Config, n, limit int) time.Duration {
	if n <= 0 {
		return 0
	}
	if limit < 1 || limit > n {
		limit = n
	}
	hold := cfg.hold       // the gate's own rule, rounding included
	if cfg.Capacity <= 0 { // no slots to wait for: every request takes the minimum delay
		rounds := (n + limit - 1) / limit
		return time.Duration(rounds) * hold(0)
	}

	var (
		ends   endHeap // when each slot in use is released
		queue  int     // requests waiting for a slot
		sent   int
		now    time.Duration
		finish time.Duration
	)
	arrive := func() {
		sent++
		if len(ends) < cfg.Capacity && queue == 0 {
			heap.Push(&ends, now+hold(0))
			return
		}
		queue++
	}
	for sent < limit {
		arrive()
	}
	for len(ends) > 0 {
		now = heap.Pop(&ends).(time.Duration)
		finish = max(finish, now)
		if queue > 0 { // the releaser hands the slot to the head of the queue
			queue--
			heap.Push(&ends, now+hold(queue))
		}
		if sent < n { // the answer arrived: the client sends the next request
			arrive()
		}
	}
	return finish
}

// endHeap is a min-heap of slot release times.
type endHeap []time.Duration

func (h endHeap) Len() int           { return len(h) }
func (h endHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h endHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *endHeap) Push(x any)        { *h = append(*h, x.(time.Duration)) }
func (h *endHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
