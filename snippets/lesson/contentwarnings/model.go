package contentwarnings

import (
	"crypto/sha512"
	"strings"
	"sync"

	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

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

// Model stands in for a machine-learning model: it burns CPU, then flags
// texts that mention NASA.
type Model struct {
	// Work is the CPU cost per call in SHA-512 passes over 100 MB (0 = none;
	// 0.4 hashes 40 MB once; workload.TalkModelWork, 10, is the talk's model).
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
