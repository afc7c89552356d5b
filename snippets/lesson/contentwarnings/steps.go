package contentwarnings

import (
	"context"
	"fmt"

	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// Steps are the four steps of one video, each recorded on a timeline lane:
// the code notebook 02 writes out, for the notebooks that build on it, so
// that those show only what they change (the concurrency around the steps).
// A zero Timeline records nothing.
type Steps struct {
	Client   *videoapi.Client
	Model    Model
	Timeline *timeline.Recorder
}

// GetVideo fetches the video's record (GET /videos/{id}).
func (s Steps) GetVideo(ctx context.Context, id string) (v videoapi.Video, err error) {
	err = s.Timeline.Track(LaneVideo, id, func() error {
		v, err = s.Client.Video(ctx, id)
		return err
	})
	return v, err
}

// GetTranscript fetches the video's transcript (GET /videos/{id}/transcript).
func (s Steps) GetTranscript(ctx context.Context, id string) (text string, err error) {
	err = s.Timeline.Track(LaneTranscript, id, func() error {
		text, err = s.Client.Transcript(ctx, id)
		return err
	})
	return text, err
}

// RunModel burns the model's CPU on the video's title, description and
// transcript, and returns its warnings.
func (s Steps) RunModel(id string, v videoapi.Video, transcript string) (warnings []string) {
	_ = s.Timeline.Track(LaneModel, id, func() error {
		warnings = s.Model.Warnings(Text(v, transcript))
		return nil
	})
	return warnings
}

// SaveWarnings writes the warnings back (PATCH /videos/{id}).
func (s Steps) SaveWarnings(ctx context.Context, id string, warnings []string) error {
	return s.Timeline.Track(LaneSave, id, func() error {
		return s.Client.SaveWarnings(ctx, id, warnings)
	})
}

// ProcessVideo runs the four steps of one video, one after the other, and
// reports whether the video got a warning.
func (s Steps) ProcessVideo(ctx context.Context, id string) (flagged bool, err error) {
	v, err := s.GetVideo(ctx, id)
	if err != nil {
		return false, fmt.Errorf("video %s: %w", id, err)
	}
	text, err := s.GetTranscript(ctx, id)
	if err != nil {
		return false, fmt.Errorf("transcript %s: %w", id, err)
	}
	warnings := s.RunModel(id, v, text)
	if err := s.SaveWarnings(ctx, id, warnings); err != nil {
		return false, fmt.Errorf("saving %s: %w", id, err)
	}
	return len(warnings) > 0, nil
}
