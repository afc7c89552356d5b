package lessons

import (
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func TestPredicted(t *testing.T) {
	// The figures the design states for 100 videos at scale 1: about 11 s
	// all at once, about 2 s ten at a time.
	if all, ten := Predicted(100, 100), Predicted(100, 10); all < 10.5 || all > 11.5 || ten != 2 {
		t.Errorf("100 videos: all at once %.2fs, ten at a time %.2fs; want about 11 and 2", all, ten)
	}
	// At or under the capacity nothing queues: limit and all at once agree.
	if a, b := Predicted(10, 10), Predicted(10, 100); a != b || a != 0.2 {
		t.Errorf("10 videos: %.2fs and %.2fs, want 0.2 both", a, b)
	}
}

func TestLimiting(t *testing.T) {
	run := func(name string, wall float64, s videoapi.EndpointStats) measure.Result {
		return measure.Result{Name: name, WallSeconds: wall, Server: map[string]videoapi.EndpointStats{Video: s}}
	}
	// 20 videos at a fifth of the latency, as the checks run them.
	allAtOnce := videoapi.EndpointStats{PeakInFlight: 10, PeakWaiting: 10, Served: 20, Degraded: 9}
	tenAtATime := videoapi.EndpointStats{PeakInFlight: 10, Served: 20}
	tests := []struct {
		name               string
		unlimited, limited measure.Result
		want               string // part of the complaint; "" when the lesson holds
	}{
		{"holds", run("unlimited", 0.26, allAtOnce), run("limited", 0.08, tenAtATime), ""},
		{"holds on a busy machine", run("unlimited", 0.34, allAtOnce), run("limited", 0.19, tenAtATime), ""},
		{"limited not clearly faster", run("unlimited", 0.26, allAtOnce), run("limited", 0.20, tenAtATime), "of the time"},
		{"limited over the capacity", run("unlimited", 0.26, allAtOnce), run("limited", 0.08, videoapi.EndpointStats{PeakInFlight: 20, Served: 20}), "at most 10 at once"},
		{"limited well below the capacity", run("unlimited", 0.26, allAtOnce), run("limited", 0.08, videoapi.EndpointStats{PeakInFlight: 4, Served: 20}), "at most 10 at once"},
		{"limited queued", run("unlimited", 0.26, allAtOnce), run("limited", 0.08, videoapi.EndpointStats{PeakInFlight: 10, PeakWaiting: 1, Degraded: 1, Served: 20}), "none queued"},
		{"limited lost answers", run("unlimited", 0.26, allAtOnce), run("limited", 0.08, videoapi.EndpointStats{PeakInFlight: 10, Served: 19}), "want 20 answers"},
		{"all at once did not queue", run("unlimited", 0.26, videoapi.EndpointStats{PeakInFlight: 10, Served: 20}), run("limited", 0.08, tenAtATime), "some of the 20 queued"},
		{"all at once queued a few on a busy machine", run("unlimited", 0.26, videoapi.EndpointStats{PeakInFlight: 10, PeakWaiting: 3, Served: 20, Degraded: 2}), run("limited", 0.08, tenAtATime), ""},
		{"no time measured", run("unlimited", 0, allAtOnce), run("limited", 0.08, tenAtATime), "of the time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(Limiting(tt.unlimited, tt.limited), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Limiting = %q, want %q", got, tt.want)
			}
		})
	}
}

// ConnLimiting keeps Limiting's counts and asks only that the run with the
// transport's limit finished sooner: its client dials inside the run.
func TestConnLimiting(t *testing.T) {
	run := func(name string, wall float64, s videoapi.EndpointStats) measure.Result {
		return measure.Result{Name: name, WallSeconds: wall, Server: map[string]videoapi.EndpointStats{Video: s}}
	}
	allAtOnce := videoapi.EndpointStats{PeakInFlight: 10, PeakWaiting: 10, Served: 20, Degraded: 9}
	tenAtATime := videoapi.EndpointStats{PeakInFlight: 10, Served: 20}
	tests := []struct {
		name               string
		unlimited, limited measure.Result
		want               string
	}{
		{"dials in the run: 0.18 of 0.27 s", run("unlimited", 0.27, allAtOnce), run("connection limit", 0.18, tenAtATime), ""},
		{"not sooner", run("unlimited", 0.27, allAtOnce), run("connection limit", 0.30, tenAtATime), "not sooner"},
		{"queued", run("unlimited", 0.27, allAtOnce), run("connection limit", 0.10, videoapi.EndpointStats{PeakInFlight: 10, PeakWaiting: 2, Degraded: 1, Served: 20}), "none queued"},
		{"no time measured", run("unlimited", 0, allAtOnce), run("connection limit", 0.08, tenAtATime), "not sooner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(ConnLimiting(tt.unlimited, tt.limited), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("ConnLimiting = %q, want %q", got, tt.want)
			}
		})
	}
}
