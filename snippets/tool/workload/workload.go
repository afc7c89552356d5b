// Package workload reads how much work the notebooks and programs do: the
// environment variables that size them, with the workshop's values as
// defaults. Set one in a notebook with GoNB's %env, for example
//
//	%env WORKSHOP_VIDEOS=20
//
// to run a notebook in its quick mode. A value that does not parse is an
// error, returned with the default: the notebook or program decides what to
// do with it (a typo must not silently give a different lesson, and must not
// stop a program's -h either).
package workload

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Environment variables read by Videos and ModelWork.
const (
	// EnvVideos is how many videos a notebook works on.
	EnvVideos = "WORKSHOP_VIDEOS"
	// EnvModelWork is the content-warnings model's cost per video.
	EnvModelWork = "WORKSHOP_MODEL_WORK"
)

// DefaultVideos is how many videos the notebooks work on, as in the talk.
const DefaultVideos = 100

// MaxVideos bounds the number of videos accepted.
const MaxVideos = 10000

// DefaultModelWork is the content-warnings model's default cost in SHA-512
// passes over 100 MB per video: 0.4 of a pass, under a tenth of a second on
// one core of a small machine. It is chosen so that the talk's story shows on
// a 2-core machine: the sync version is dominated by waiting for the server,
// and the final version is bounded by the server's capacity as much as by two
// cores' worth of hashing, so it comes out several times faster (about 7x
// measured on a shared 2-vCPU machine; docs/story.md).
const DefaultModelWork = 0.4

// TalkModelWork is the talk's full model: 10 passes over 100 MB per video
// (`hashlib.sha512(b"a" * 10**8)` ten times), about a second on the
// speaker's laptop and two to three on one core of a small VM.
const TalkModelWork = 10

// MaxModelWork bounds the model work accepted.
const MaxModelWork = 1000

// ParseVideos parses a number of videos: a whole number from 1 to MaxVideos.
func ParseVideos(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > MaxVideos {
		return 0, fmt.Errorf("number of videos %q: want a whole number from 1 to %d (%d is the workshop's default)", s, MaxVideos, DefaultVideos)
	}
	return n, nil
}

// ParseModelWork parses a model work value: a decimal number of SHA-512
// passes over 100 MB, from 0 to MaxModelWork ("0.5", "10").
func ParseModelWork(s string) (float64, error) {
	w, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(w) || w < 0 || w > MaxModelWork {
		return 0, fmt.Errorf("model work %q: want a number of SHA-512 passes over 100 MB from 0 to %d (%g is the workshop's default, %d the talk's full model)", s, MaxModelWork, DefaultModelWork, TalkModelWork)
	}
	return w, nil
}

// Videos returns $WORKSHOP_VIDEOS, or DefaultVideos when it is unset. A
// value that does not parse gives DefaultVideos and an error that says what
// is wrong and how to fix it.
func Videos() (int, error) {
	return fromEnv(EnvVideos, DefaultVideos, ParseVideos)
}

// ModelWork returns $WORKSHOP_MODEL_WORK, or DefaultModelWork when it is
// unset. A value that does not parse gives DefaultModelWork and an error.
func ModelWork() (float64, error) {
	return fromEnv(EnvModelWork, DefaultModelWork, ParseModelWork)
}

// fromEnv parses the variable name with parse, or returns def when it is
// unset or blank.
func fromEnv[T any](name string, def T, parse func(string) (T, error)) (T, error) {
	s, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(s) == "" {
		return def, nil
	}
	v, err := parse(s)
	if err != nil {
		return def, fmt.Errorf("$%s: %w; fix or unset it", name, err)
	}
	return v, nil
}
