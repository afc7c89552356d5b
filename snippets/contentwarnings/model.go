package contentwarnings

import (
	"crypto/sha512"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DefaultModelWork is the model's default cost: SHA-512 passes over 100 MB
// per video, the same work as the talk's model.
const DefaultModelWork = 10

// DefaultVideos is how many videos the pipelines process by default.
const DefaultVideos = 100

// ModelBufferSize is the size of the buffer each model pass hashes.
const ModelBufferSize = 100 << 20

// modelChunk is how much of the buffer one hash call takes. The hashing
// inner loop is assembly, which Go's scheduler cannot interrupt, so one call
// over 100 MB would hold its core for a quarter of a second and starve every
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

// ModelWorkFromEnv returns $WORKSHOP_MODEL_WORK, or DefaultModelWork when it
// is unset or not a non-negative integer.
func ModelWorkFromEnv() int {
	return intFromEnv(EnvModelWork, DefaultModelWork, 0)
}

// VideosFromEnv returns $WORKSHOP_VIDEOS, or DefaultVideos when it is unset
// or not a positive integer.
func VideosFromEnv() int {
	return intFromEnv(EnvVideos, DefaultVideos, 1)
}

func intFromEnv(name string, def, least int) int {
	n, err := strconv.Atoi(strings.TrimSpace(os.Getenv(name)))
	if err != nil || n < least {
		return def
	}
	return n
}

// Model stands in for a machine-learning model: it burns CPU, then flags
// transcripts that mention NASA.
type Model struct {
	// Work is the number of SHA-512 passes over 100 MB per call (0 = none).
	Work int
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
// the transcript contains "NASA", or an empty (non-nil) slice.
func (m Model) Warnings(transcript string) []string {
	if m.Work > 0 {
		buf := modelBuffer()
		h := sha512.New()
		for range m.Work {
			h.Reset()
			for chunk := range slices.Chunk(buf, modelChunk) {
				h.Write(chunk)
			}
			h.Sum(nil)
		}
	}
	return Expected(transcript)
}

// Expected returns the warnings a transcript should carry, without the CPU
// cost: the ground truth the model's answers are checked against.
func Expected(transcript string) []string {
	if strings.Contains(transcript, Keyword) {
		return []string{Warning}
	}
	return []string{}
}
