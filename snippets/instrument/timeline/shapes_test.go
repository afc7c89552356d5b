package timeline

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Hand-made runs of the workshop's programs, built from the server's gate
// model (a gate has C slots handed out first come, first served; a request
// holds its slot for D + S*min(w, 10), w being the requests still queued
// behind it when it gets the slot), so the golden charts look like real
// runs without depending on a clock.

// ids are item labels shaped like the server's video ids.
func ids(n int) []string {
	words := []string{"student", "region", "harbor", "meadow", "lantern", "copper", "willow", "saddle", "pepper", "tunnel"}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", words[i%len(words)], i/len(words))
	}
	return out
}

// sequential4 is four requests made one after another.
func sequential4() []Span {
	var out []Span
	at := time.Duration(0)
	for i, id := range ids(4) {
		d := ms(200 + 3*i)
		out = append(out, Span{"get video", id, at, at + d})
		at += d + ms(1)
	}
	return out
}

// gate10 is 100 requests sent ten at a time (a client-side limit of 10):
// each of ten workers makes its next request when its last one returns.
func gate10() []Span {
	var out []Span
	free := make([]time.Duration, 10)
	for i, id := range ids(100) {
		w := i % 10
		d := ms(200 + i*7%10)
		out = append(out, Span{"get video", id, free[w], free[w] + d})
		free[w] += d
	}
	return out
}

// gateHolds returns when each request, arriving at arrive[i] (in arrival
// order), is answered by a gate with slots slots, delay d and step s.
func gateHolds(arrive []time.Duration, slots int, d, s time.Duration) []time.Duration {
	free := make([]time.Duration, slots)
	done := make([]time.Duration, len(arrive))
	for i, a := range arrive {
		k := 0
		for j := range free {
			if free[j] < free[k] {
				k = j
			}
		}
		start := max(a, free[k])
		queued := 0 // arrived by then, not yet given a slot
		for _, b := range arrive[i+1:] {
			if b <= start {
				queued++
			}
		}
		if a >= free[k] {
			queued = 0 // found a free slot
		}
		done[i] = start + d + s*time.Duration(min(queued, 10))
		free[k] = done[i]
	}
	return done
}

// burst100 is 100 requests sent at once through the server's video gate
// (10 slots, 200 ms, +100 ms per queued request): about 11 s.
func burst100() []Span {
	arrive := make([]time.Duration, 100)
	for i := range arrive {
		arrive[i] = time.Duration(i) * 50 * time.Microsecond
	}
	done := gateHolds(arrive, 10, ms(200), ms(100))
	var out []Span
	for i, id := range ids(100) {
		out = append(out, Span{"get video", id, arrive[i], done[i]})
	}
	return out
}

// final400 is the content-warnings app's final version on 100 videos: at
// most 5 video and 10 transcript requests at once, fetched together, the
// model on 2 cores (1 s per video, first come first served), then a save.
func final400() []Span {
	var out []Span
	list := ids(100)
	ready := make([]time.Duration, len(list))
	for i, id := range list {
		v := time.Duration(i/5) * ms(200)
		t := time.Duration(i/10) * ms(100)
		out = append(out, Span{"get video", id, v, v + ms(200)}, Span{"transcript", id, t, t + ms(100)})
		ready[i] = max(v+ms(200), t+ms(100))
	}
	cores := make([]time.Duration, 2)
	for i, id := range list {
		k := 0
		if cores[1] < cores[0] {
			k = 1
		}
		start := max(ready[i], cores[k])
		end := start + ms(1000)
		cores[k] = end
		out = append(out, Span{"model", id, start, end}, Span{"save", id, end, end + ms(50)})
	}
	return out
}

// attempt400 is the naive version on 100 videos: every video started at
// once through the video gate, each transcript asked for as its video
// arrives (transcript gate: 20 slots, 100 ms, +100 ms per queued request),
// and every model run at once on 2 cores that they share (1 s of CPU each),
// then a save.
func attempt400() []Span {
	list := ids(100)
	arrive := make([]time.Duration, len(list))
	for i := range arrive {
		arrive[i] = time.Duration(i) * 50 * time.Microsecond
	}
	videoDone := gateHolds(arrive, 10, ms(200), ms(100))
	order := make([]int, len(list)) // videos in the order they arrived
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(videoDone[a], videoDone[b]) })
	asked := make([]time.Duration, len(list))
	for k, i := range order {
		asked[k] = videoDone[i]
	}
	got := gateHolds(asked, 20, ms(100), ms(100))
	textDone := make([]time.Duration, len(list))
	for k, i := range order {
		textDone[i] = got[k]
	}
	modelDone := shareCores(textDone, 2, 1000*time.Millisecond)
	var out []Span
	for i, id := range list {
		out = append(out,
			Span{"get video", id, arrive[i], videoDone[i]},
			Span{"transcript", id, videoDone[i], textDone[i]},
			Span{"model", id, textDone[i], modelDone[i]},
			Span{"save", id, modelDone[i], modelDone[i] + ms(50)})
	}
	return out
}

// shareCores runs jobs that start at start[i] and each need work of CPU
// time on cores cores shared equally, in steps of a millisecond, and
// returns when each finishes.
func shareCores(start []time.Duration, cores int, work time.Duration) []time.Duration {
	left := make([]time.Duration, len(start))
	done := make([]time.Duration, len(start))
	for i := range left {
		left[i] = work
	}
	finished := 0
	for now := time.Duration(0); finished < len(start); now += time.Millisecond {
		var running []int
		for i, s := range start {
			if s <= now && left[i] > 0 {
				running = append(running, i)
			}
		}
		if len(running) == 0 {
			continue
		}
		share := min(time.Millisecond, time.Duration(cores)*time.Millisecond/time.Duration(len(running)))
		for _, i := range running {
			left[i] -= share
			if left[i] <= 0 {
				done[i] = now + time.Millisecond
				finished++
			}
		}
	}
	return done
}
