// Package heartbeat shows how long a goroutine that wakes up waits for a
// core: During runs a piece of work while a goroutine of its own ticks on a
// timer, and reports how regularly the ticks came. Late or missing ticks
// are the time a waking goroutine (say, one whose network answer just
// arrived) waited for its turn while the work ran.
//
//	beats := heartbeat.During(20*time.Millisecond, func() {
//		// computing work on every core
//	})
//	fmt.Println(beats) // the heartbeat ticked 48 of 50 times, longest gap 31 ms
package heartbeat

import (
	"fmt"
	"time"
)

// Beats is what During saw.
type Beats struct {
	// Ticks is how many ticks arrived while f ran.
	Ticks int
	// Expected is how many ticks a free core would have delivered.
	Expected int
	// LongestGap is the longest time between two ticks (or between the
	// start, the last tick and the end).
	LongestGap time.Duration
}

// String says what the heartbeat saw in one line.
func (b Beats) String() string {
	return fmt.Sprintf("the heartbeat ticked %d of %d times, longest gap %.0f ms", b.Ticks, b.Expected, float64(b.LongestGap)/float64(time.Millisecond))
}

// During runs f while a goroutine of its own ticks every interval, and
// reports how regularly it ticked: a goroutine that wakes up on a timer gets
// a core only when the scheduler gives it one, so late or missing ticks show
// how long a waking goroutine waited for its turn while f ran. An interval
// of zero or less is taken as one millisecond.
func During(every time.Duration, f func()) Beats {
	every = max(every, time.Millisecond)
	var b Beats
	stop := make(chan struct{})
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		last := start
		for {
			select {
			case <-stop:
				b.LongestGap = max(b.LongestGap, time.Since(last))
				return
			case <-ticker.C:
				now := time.Now()
				b.Ticks++
				b.LongestGap = max(b.LongestGap, now.Sub(last))
				last = now
			}
		}
	}()
	f()
	close(stop)
	<-done // the ticking goroutine has finished writing b
	b.Expected = int(time.Since(start) / every)
	return b
}
