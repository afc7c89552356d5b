package contentwarnings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-async-workshop/workshop/snippets/knobs"
	"github.com/go-async-workshop/workshop/snippets/progress"
	"github.com/go-async-workshop/workshop/snippets/timeline"
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
	if !(o.Model.Work >= 0 && o.Model.Work <= knobs.MaxModelWork) {
		return nil, fmt.Errorf("contentwarnings: Model.Work = %g, want 0 to %d", o.Model.Work, knobs.MaxModelWork)
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

// Steps of one video, each recorded on the timeline.

func (r *run) video(ctx context.Context, id string) (v videoapi.Video, err error) {
	err = r.Timeline.Track(LaneVideo, id, func() error {
		v, err = r.Client.Video(ctx, id)
		return err
	})
	return v, err
}

func (r *run) transcript(ctx context.Context, id string) (text string, err error) {
	err = r.Timeline.Track(LaneTranscript, id, func() error {
		text, err = r.Client.Transcript(ctx, id)
		return err
	})
	return text, err
}

func (r *run) model(id, text string) (warnings []string) {
	_ = r.Timeline.Track(LaneModel, id, func() error {
		warnings = r.Model.Warnings(text)
		return nil
	})
	return warnings
}

func (r *run) save(ctx context.Context, id string, warnings []string) error {
	return r.Timeline.Track(LaneSave, id, func() error {
		return r.Client.SaveWarnings(ctx, id, warnings)
	})
}
