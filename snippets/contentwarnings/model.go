package contentwarnings

import (
	"crypto/sha512"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// DefaultModelWork is the model's default cost in SHA-512 passes over
// 100 MB per video: half a pass, about a tenth of a second on one core of a
// laptop. It is chosen so that the talk's story shows on a 2-core machine:
// there the sync version is CPU-light enough to be dominated by waiting, and
// the final version is not simply bounded by two cores' worth of hashing.
const DefaultModelWork = 0.5

// TalkModelWork is the talk's full model: 10 passes over 100 MB per video
// (`hashlib.sha512(b"a" * 10**8)` ten times), about a second on the
// speaker's laptop and two to three on one core of a small VM.
const TalkModelWork = 10

// MaxModelWork bounds the work accepted from the environment or a flag.
const MaxModelWork = 1000

// DefaultVideos is how many videos the pipelines process by default, as in
// the talk.
const DefaultVideos = 100

// MaxVideos bounds the number of videos accepted from the environment.
const MaxVideos = 10000

// ModelBufferSize is the size of one model pass: 100 MB, as in the talk.
const ModelBufferSize = 100 << 20

// modelChunk is how much of the buffer one hash call takes. The hashing
// inner loop is assembly, which Go's scheduler cannot interrupt, so one call
// over 100 MB would hold its core for a quarter of a second and delay every
// other goroutine waiting for it (network replies included). Feeding the hash
// 1 MB at a time does the same work with a chance to switch every ~2.5 ms.
const modelChunk = 1 << 20

// Warning is the content warning the model gives.
const Warning = "mentions NASA"

// Keyword is the word the model looks for.
const Keyword = "NASA"

// Environment variables read by ModelWorkFromEnv and VideosFromEnv.
const (
	EnvModelWork = "WORKSHOP_MODEL_WORK"
	EnvVideos    = "WORKSHOP_VIDEOS"
)

// ParseModelWork parses a model work value: a decimal number of SHA-512
// passes over 100 MB, from 0 to MaxModelWork ("0.5", "10").
func ParseModelWork(s string) (float64, error) {
	w, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(w) || w < 0 || w > MaxModelWork {
		return 0, fmt.Errorf("model work %q: want a number of SHA-512 passes over 100 MB from 0 to %d (%g is the workshop's default, %d the talk's full model)", s, MaxModelWork, DefaultModelWork, TalkModelWork)
	}
	return w, nil
}

// ParseVideos parses a number of videos: a whole number from 1 to MaxVideos.
func ParseVideos(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > MaxVideos {
		return 0, fmt.Errorf("number of videos %q: want a whole number from 1 to %d (%d is the workshop's default)", s, MaxVideos, DefaultVideos)
	}
	return n, nil
}

// ModelWorkFromEnv returns $WORKSHOP_MODEL_WORK, or DefaultModelWork when it
// is unset. A malformed value stops the program with a message saying what
// is wrong: a typo must not silently give a different lesson.
func ModelWorkFromEnv() float64 {
	return fromEnv(EnvModelWork, DefaultModelWork, ParseModelWork)
}

// VideosFromEnv returns $WORKSHOP_VIDEOS, or DefaultVideos when it is unset.
// A malformed value stops the program with a message saying what is wrong.
func VideosFromEnv() int {
	return fromEnv(EnvVideos, DefaultVideos, ParseVideos)
}

// exit stops the program; tests replace it.
var exit = os.Exit

func fromEnv[T any](name string, def T, parse func(string) (T, error)) T {
	s, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(s) == "" {
		return def
	}
	v, err := parse(s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "$%s: %v; fix or unset it\n", name, err)
		exit(2)
		return def
	}
	return v
}

// Model stands in for a machine-learning model: it burns CPU, then flags
// texts that mention NASA.
type Model struct {
	// Work is the CPU cost per call in SHA-512 passes over 100 MB (0 = none;
	// 0.5 hashes 50 MB once; 10 is the talk's model).
	Work float64
}

var (
	bufferOnce sync.Once
	buffer     []byte
)

// modelBuffer returns the 100 MB buffer, allocated once and then only read,
// so any number of goroutines can hash it at the same time.
func modelBuffer() []byte {
	bufferOnce.Do(func() {
		buffer = make([]byte, ModelBufferSize)
		for i := range 4096 {
			buffer[i] = byte(i * 31)
		}
		for n := 4096; n < len(buffer); n *= 2 { // fill by doubling the pattern
			copy(buffer[n:], buffer[:n])
		}
	})
	return buffer
}

// Warnings burns the model's CPU time, then returns []string{Warning} if
// text contains "NASA", or an empty (non-nil) slice. Like the talk's model,
// it reads a video's title, description and transcript (see Text).
func (m Model) Warnings(text string) []string {
	if total := int64(m.Work * ModelBufferSize); total > 0 {
		buf := modelBuffer()
		h := sha512.New()
		for total > 0 {
			h.Reset()
			pass := min(total, ModelBufferSize)
			for off := int64(0); off < pass; off += modelChunk {
				h.Write(buf[off:min(off+modelChunk, pass)])
			}
			h.Sum(nil)
			total -= pass
		}
	}
	return Expected(text)
}

// Text is what the model reads for one video: its title, description and
// transcript, as the talk's app joined them.
func Text(v videoapi.Video, transcript string) string {
	return v.Title + " " + v.Description + " " + transcript
}

// Expected returns the warnings a text should carry, without the CPU cost:
// the ground truth the model's answers are checked against.
func Expected(text string) []string {
	if strings.Contains(text, Keyword) {
		return []string{Warning}
	}
	return []string{}
}
