package measure

import (
	"time"

	"github.com/go-async-workshop/workshop/snippets/instrument/progress"
)

// startBar draws the progress bar and redraws it from the timeline until
// stopProgress.
func (r *Run) startBar() {
	bar := progress.New(r.out, r.progressTotal, r.name)
	r.stopBar = make(chan struct{})
	r.barDone.Add(1)
	go func() {
		defer r.barDone.Done()
		shown := 0
		update := func() {
			n := 0
			for _, s := range r.Recorder.Spans() {
				if s.Lane == r.progressLane {
					n++
				}
			}
			if n > shown {
				bar.Add(n - shown)
				shown = n
			}
		}
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				update()
			case <-r.stopBar:
				update()
				bar.Done()
				return
			}
		}
	}()
}

// stopProgress stops the bar, if any, after one last redraw.
func (r *Run) stopProgress() {
	if r.stopBar == nil {
		return
	}
	close(r.stopBar)
	r.barDone.Wait()
	r.stopBar = nil
}
