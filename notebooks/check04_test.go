package notebooks

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

func init() { register("04_content_warnings_final", checkContentWarningsFinal) }

// checkContentWarningsFinal: the final version kept every endpoint within
// its limit (nothing queued, nothing slowed), ran one model per core, saved
// every video right, and beat both the sync version and the attempt, which
// the comparison shows side by side.
func checkContentWarningsFinal(t *testing.T, nb *ipynb.Notebook) {
	final := mustRun(t, nb, "final")
	v, tr := final.Server["video"], final.Server["transcript"]
	if v.PeakInFlight > 5 || v.PeakWaiting > 0 || v.Degraded > 0 {
		t.Errorf("final: the server's videos %+v, want at most 5 at once and nothing queued", v)
	}
	if tr.PeakInFlight > 10 || tr.PeakWaiting > 0 || tr.Degraded > 0 {
		t.Errorf("final: the server's transcripts %+v, want at most 10 at once and nothing queued", tr)
	}
	if m, ok := final.Step("model"); !ok || m.AtOnce > final.Cores {
		t.Errorf("final: %d models at once on %d cores, want at most one per core", m.AtOnce, final.Cores)
	}
	requireText(t, nb, fmt.Sprintf("all %d videos carry the right warnings", v.Served))

	cmp := comparisonOf(t, nb)
	walls := map[string]float64{}
	for _, r := range cmp.Runs {
		walls[r.Name] = r.WallSeconds
	}
	if len(cmp.Missing) > 0 || len(walls) != 3 {
		t.Fatalf("the comparison lacks runs: %v (the harness runs 02 and 03 before 04)", cmp.Missing)
	}
	if walls["final"]*2 > walls["sync"] || walls["final"] >= walls["attempt"] {
		t.Errorf("sync %.2fs, attempt %.2fs, final %.2fs: want final clearly faster than sync and faster than the attempt", walls["sync"], walls["attempt"], walls["final"])
	}
	if !regexp.MustCompile(`the final run took [\d.]+ s: -?\d+% above the larger bound`).MatchString(nb.Text()) {
		t.Error("the bounds cell printed no comparison with the final run")
	}
}
