package contentwarnings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-async-workshop/workshop/snippets/instrument/progress"
	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	"github.com/go-async-workshop/workshop/snippets/tool/workload"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// Timeline lanes the pipelines record.
const (
	LaneVideo      = "get video"
	LaneTranscript = "transcript"
	LaneModel      = "model"
	LaneSave       = "save"
)

// Options are the inputs shared by every pipeline.
type Options struct {
	// Client talks to the server (required).
	Client *videoapi.Client
	// N is the number of videos to process (the first N ids).
	N int
	// Model is the content-warnings model.
	Model Model
	// Timeline, when not nil, records every step in the lanes above.
	Timeline *timeline.Recorder
	// Progress, when not nil, receives a progress bar advanced per saved video.
	Progress io.Writer
}

// Result is what a pipeline did.
type Result struct {
	// Mode is "sync", "attempt" or "final".
	Mode string
	// Videos is the number of videos processed.
	Videos int
	// Flagged lists the ids given a warning, in list order.
	Flagged []string
	// Wall is the pipeline's wall-clock time.
	Wall time.Duration
}

// SummaryLine is the one-line result: "summary: mode=final videos=100 flagged=9 wall=12.34s".
func (r Result) SummaryLine() string {
	return fmt.Sprintf("summary: mode=%s videos=%d flagged=%d wall=%.2fs", r.Mode, r.Videos, len(r.Flagged), r.Wall.Seconds())
}

// run holds what every pipeline sets up: the ids, the progress bar and the clock.
type run struct {
	Options
	mode  string
	ids   []string
	bar   *progress.Bar
	start time.Time
}

// begin validates the options, lists the ids and starts the clock and the bar.
func begin(ctx context.Context, o Options, mode string) (*run, error) {
	if o.Client == nil {
		return nil, errors.New("contentwarnings: Options.Client is nil")
	}
	if o.N < 1 {
		return nil, fmt.Errorf("contentwarnings: Options.N = %d, want at least 1", o.N)
	}
	if !(o.Model.Work >= 0 && o.Model.Work <= workload.MaxModelWork) {
		return nil, fmt.Errorf("contentwarnings: Model.Work = %g, want 0 to %d", o.Model.Work, workload.MaxModelWork)
	}
	r := &run{Options: o, mode: mode, start: time.Now()}
	o.Timeline.DeclareLanes(LaneVideo, LaneTranscript, LaneModel, LaneSave)
	ids, err := o.Client.ListIDs(ctx, o.N)
	if err != nil {
		return nil, fmt.Errorf("listing %d videos: %w", o.N, err)
	}
	r.ids = ids
	if o.Progress != nil {
		r.bar = progress.New(o.Progress, len(ids), mode)
	}
	return r, nil
}

// result collects the flagged ids (in list order) and stops the bar.
func (r *run) result(flagged []bool) Result {
	if r.bar != nil {
		r.bar.Done()
	}
	res := Result{Mode: r.mode, Videos: len(r.ids), Flagged: []string{}, Wall: time.Since(r.start)}
	for i, f := range flagged {
		if f {
			res.Flagged = append(res.Flagged, r.ids[i])
		}
	}
	return res
}

func (r *run) saved() {
	if r.bar != nil {
		r.bar.Add(1)
	}
}

// Steps of one video, each recorded on the run's timeline.

func (r *run) steps() Steps { return Steps{Client: r.Client, Model: r.Model, Timeline: r.Timeline} }

func (r *run) video(ctx context.Context, id string) (videoapi.Video, error) {
	return r.steps().GetVideo(ctx, id)
}

func (r *run) transcript(ctx context.Context, id string) (string, error) {
	return r.steps().GetTranscript(ctx, id)
}

func (r *run) model(id string, v videoapi.Video, transcript string) []string {
	return r.steps().RunModel(id, v, transcript)
}

func (r *run) save(ctx context.Context, id string, warnings []string) error {
	return r.steps().SaveWarnings(ctx, id, warnings)
}
