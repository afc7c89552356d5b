// Package videodb holds the mock server's fake videos: generated
// deterministically from a seed, readable and patchable from many goroutines.
package videodb

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jaswdr/faker/v2"
)

// Generation limits and shapes.
const (
	MaxVideos            = 10000 // largest catalogue New builds
	TranscriptParagraphs = 5     // paragraphs per transcript
	NASAOneIn            = 10    // exactly one video in each run of NASAOneIn (0-9, 10-19, ...) mentions NASA
	NASA                 = "NASA"
	minIDLength          = 3
	maxIDLength          = 12
)

// First and last possible upload dates.
var (
	firstUpload = time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)
	lastUpload  = time.Date(2025, time.December, 31, 0, 0, 0, 0, time.UTC)
)

// Video is a video's public record, as GET /videos/{id} returns it.
type Video struct {
	ID          string   `json:"id"`          // one unique lowercase word
	Title       string   `json:"title"`       // a sentence
	Description string   `json:"description"` // a paragraph
	UploadDate  string   `json:"upload_date"` // YYYY-MM-DD, 2020..2025
	Views       int      `json:"views"`       // 0..1,000,000
	Warnings    []string `json:"warnings"`    // content warnings; never null
}

// record is a stored video; warnings change under DB.mu.
type record struct {
	video      Video
	transcript string
}

// DB is the catalogue. All methods are safe for concurrent use.
type DB struct {
	ids  []string // generation order, which is the order of the list endpoint
	byID map[string]*record

	mu sync.RWMutex // guards the Warnings of every record
}

// New builds n videos from seed. The same n and seed always give the same
// catalogue.
func New(n int, seed int64) (*DB, error) {
	if n < 1 || n > MaxVideos {
		return nil, fmt.Errorf("videodb: number of videos must be 1..%d, got %d", MaxVideos, n)
	}
	f := faker.NewWithSeedInt64(seed)
	db := &DB{ids: make([]string, 0, n), byID: make(map[string]*record, n)}
	span := int(lastUpload.Sub(firstUpload) / (24 * time.Hour))
	nasaAt := 0 // which video of the current run of NASAOneIn mentions NASA
	for len(db.ids) < n {
		i := len(db.ids)
		id := uniqueWord(f, db.byID)
		v := Video{
			ID:          id,
			Title:       sentence(f, 3, 8),
			Description: paragraph(f, 1, 3),
			UploadDate:  firstUpload.AddDate(0, 0, f.IntBetween(0, span)).Format(time.DateOnly),
			Views:       f.IntBetween(0, 1_000_000),
			Warnings:    []string{},
		}
		// One in each run of NASAOneIn, at a random place: every batch of
		// "the first n" videos holds n/NASAOneIn of them, give or take one.
		if i%NASAOneIn == 0 {
			nasaAt = f.IntBetween(0, NASAOneIn-1)
		}
		mentions := i%NASAOneIn == nasaAt
		db.ids = append(db.ids, id)
		db.byID[id] = &record{video: v, transcript: transcript(f, mentions)}
	}
	return db, nil
}

// uniqueWord draws lowercase one-word ids until it finds an unused one.
func uniqueWord(f faker.Faker, used map[string]*record) string {
	for {
		w := f.Lorem().Word()
		if len(w) < minIDLength || len(w) > maxIDLength || !isLowerASCII(w) {
			continue
		}
		if _, dup := used[w]; !dup {
			return w
		}
	}
}

func isLowerASCII(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// sentence returns a capitalised sentence of lo..hi words.
func sentence(f faker.Faker, lo, hi int) string {
	words := f.Lorem().Words(f.IntBetween(lo, hi))
	return capitalise(strings.Join(words, " ")) + "."
}

// paragraph returns lo..hi sentences.
func paragraph(f faker.Faker, lo, hi int) string {
	n := f.IntBetween(lo, hi)
	s := make([]string, n)
	for i := range s {
		s[i] = sentence(f, 4, 12)
	}
	return strings.Join(s, " ")
}

// transcript returns TranscriptParagraphs paragraphs; if mentionsNASA, one
// sentence in a random paragraph names NASA. Generated words are lowercase, so
// no other transcript can contain the upper-case word.
func transcript(f faker.Faker, mentionsNASA bool) string {
	paras := make([]string, TranscriptParagraphs)
	for i := range paras {
		paras[i] = paragraph(f, 3, 6)
	}
	if mentionsNASA {
		words := f.Lorem().Words(f.IntBetween(4, 10))
		at := f.IntBetween(0, len(words))
		words = append(words[:at], append([]string{NASA}, words[at:]...)...)
		p := f.IntBetween(0, len(paras)-1)
		paras[p] += " " + capitalise(strings.Join(words, " ")) + "."
	}
	return strings.Join(paras, "\n\n")
}

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// Len returns the number of videos.
func (db *DB) Len() int { return len(db.ids) }

// IDs returns the ids of the first n videos (all of them if n > Len). The
// caller must not modify the returned slice.
func (db *DB) IDs(n int) []string { return db.ids[:min(max(n, 0), len(db.ids))] }

// Video returns a copy of the video with id.
func (db *DB) Video(id string) (Video, bool) {
	r, ok := db.byID[id]
	if !ok {
		return Video{}, false
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	v := r.video
	v.Warnings = append([]string{}, r.video.Warnings...)
	return v, true
}

// Transcript returns the transcript of the video with id.
func (db *DB) Transcript(id string) (string, bool) {
	r, ok := db.byID[id]
	if !ok {
		return "", false
	}
	return r.transcript, true
}

// SetWarnings replaces the warnings of the video with id; it reports false,
// changing nothing, if there is no such video.
func (db *DB) SetWarnings(id string, warnings []string) bool {
	r, ok := db.byID[id]
	if !ok {
		return false
	}
	w := append([]string{}, warnings...)
	db.mu.Lock()
	defer db.mu.Unlock()
	r.video.Warnings = w
	return true
}
