package videodb

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDeterministic(t *testing.T) {
	a, err := New(1000, 20241203)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(1000, 20241203)
	c, _ := New(1000, 1)
	if !reflect.DeepEqual(a.ids, b.ids) {
		t.Fatal("same seed gave different ids")
	}
	for _, id := range a.ids {
		if !reflect.DeepEqual(a.byID[id], b.byID[id]) {
			t.Fatalf("same seed gave different video %q", id)
		}
	}
	if reflect.DeepEqual(a.ids, c.ids) {
		t.Error("different seeds gave the same ids")
	}
	small, _ := New(10, 20241203)
	if !reflect.DeepEqual(small.IDs(10), a.IDs(10)) {
		t.Error("the first videos depend on how many are generated")
	}
}

func TestVideosShape(t *testing.T) {
	db, err := New(1000, 20241203)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	nasa := make([]int, db.Len()/NASAOneIn) // NASA mentions in each run of NASAOneIn videos
	for i, id := range db.IDs(db.Len()) {
		if seen[id] || !isLowerASCII(id) || strings.ContainsAny(id, " ") || len(id) < minIDLength {
			t.Errorf("id %q: want a unique lowercase word", id)
		}
		seen[id] = true
		v, ok := db.Video(id)
		if !ok || v.ID != id {
			t.Fatalf("Video(%q) = %+v, %v", id, v, ok)
		}
		d, err := time.Parse(time.DateOnly, v.UploadDate)
		if err != nil || d.Year() < 2020 || d.Year() > 2025 {
			t.Errorf("%s: upload_date %q not a date in 2020..2025", id, v.UploadDate)
		}
		if v.Views < 0 || v.Views > 1_000_000 {
			t.Errorf("%s: views %d", id, v.Views)
		}
		if v.Warnings == nil || len(v.Warnings) != 0 {
			t.Errorf("%s: warnings %#v, want an empty list", id, v.Warnings)
		}
		if v.Title == "" || v.Description == "" {
			t.Errorf("%s: empty title or description", id)
		}
		tr, _ := db.Transcript(id)
		if got := len(strings.Split(tr, "\n\n")); got != TranscriptParagraphs {
			t.Errorf("%s: %d paragraphs, want %d", id, got, TranscriptParagraphs)
		}
		if strings.Contains(tr, NASA) {
			nasa[i/NASAOneIn]++
		}
		if strings.Contains(v.Title+v.Description, NASA) {
			t.Errorf("%s: title or description mentions NASA", id)
		}
	}
	// Exactly one in each run of ten, so the workshop's first 100 hold 10.
	for run, got := range nasa {
		if got != 1 {
			t.Errorf("videos %d..%d: %d transcripts mention NASA, want exactly 1", run*NASAOneIn, run*NASAOneIn+NASAOneIn-1, got)
		}
	}
}

func TestNewRejectsBadSize(t *testing.T) {
	for _, n := range []int{-1, 0, MaxVideos + 1} {
		if _, err := New(n, 1); err == nil {
			t.Errorf("New(%d) succeeded, want an error", n)
		}
	}
}

func TestUnknownID(t *testing.T) {
	db, _ := New(10, 1)
	if _, ok := db.Video("no-such-id"); ok {
		t.Error("Video found an unknown id")
	}
	if _, ok := db.Transcript("no-such-id"); ok {
		t.Error("Transcript found an unknown id")
	}
	if db.SetWarnings("no-such-id", []string{"x"}) {
		t.Error("SetWarnings accepted an unknown id")
	}
}

func TestWarningsAreCopied(t *testing.T) {
	db, _ := New(10, 1)
	id := db.IDs(1)[0]
	in := []string{"a"}
	db.SetWarnings(id, in)
	in[0] = "changed by caller"
	v, _ := db.Video(id)
	v.Warnings[0] = "changed by reader"
	if again, _ := db.Video(id); again.Warnings[0] != "a" {
		t.Errorf("stored warnings changed to %q through a shared slice", again.Warnings[0])
	}
}

// TestConcurrentPatchAndGet runs writers and readers at once (meaningful
// under -race) and checks that every writer's last value survives.
func TestConcurrentPatchAndGet(t *testing.T) {
	db, _ := New(50, 1)
	ids := db.IDs(50)
	const writes = 100
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for i := range writes {
				db.SetWarnings(id, []string{fmt.Sprintf("%s-%d", id, i)})
			}
		})
		wg.Go(func() {
			for range writes {
				v, _ := db.Video(id)
				if len(v.Warnings) > 1 || (len(v.Warnings) == 1 && !strings.HasPrefix(v.Warnings[0], id+"-")) {
					t.Errorf("%s: read %v", id, v.Warnings)
				}
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		v, _ := db.Video(id)
		if want := fmt.Sprintf("%s-%d", id, writes-1); len(v.Warnings) != 1 || v.Warnings[0] != want {
			t.Errorf("%s: warnings %v, want [%s]", id, v.Warnings, want)
		}
	}
}
