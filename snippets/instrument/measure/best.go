package measure

import (
	"fmt"
	"os"
	"strings"

	"github.com/go-async-workshop/workshop/snippets/instrument/display"
	"github.com/go-async-workshop/workshop/snippets/instrument/runstore"
)

// Best measures the same work tries times and reports the fastest try, the
// one other programs disturbed least: once starts a run (Start), does the
// work and returns the run without reporting it. The report is the fastest
// run's, with the wall time of every try (Result's Tries); like Report, it
// keeps the result for Compare and returns it. With tries below 1 it
// measures once.
func Best(tries int, once func() *Run) Result {
	var best *Run
	var bestRes Result
	var walls []float64
	for i := range max(tries, 1) {
		run := once()
		res := run.Result()
		walls = append(walls, res.WallSeconds)
		if i == 0 || res.WallSeconds < bestRes.WallSeconds {
			best, bestRes = run, res
		}
	}
	bestRes.Tries = walls
	if err := runstore.Save(bestRes.Name, bestRes); err != nil {
		fmt.Fprintf(os.Stderr, "measure: this run cannot be kept for Compare: %v\n", err)
	}
	display.Show(best.out, bestRes.Text(), func() string { return bestRes.html(best.Recorder, best.hideWaiting) }, bestRes)
	return bestRes
}

// triesLine says which try a report shows, or "" for a run measured once.
func (res Result) triesLine() string {
	if len(res.Tries) < 2 {
		return ""
	}
	walls := make([]string, len(res.Tries))
	for i, w := range res.Tries {
		walls[i] = display.Seconds(w)
	}
	return fmt.Sprintf("the fastest of %d tries (%s)", len(res.Tries), strings.Join(walls, ", "))
}
