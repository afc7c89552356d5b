package contentwarnings

import (
	"slices"
	"sync"
	"testing"

	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func TestModelWarnings(t *testing.T) {
	tests := []struct {
		name, text string
		work       float64
		want       []string
	}{
		{"mentions", "we flew with NASA to the moon", 0, []string{Warning}},
		{"mentions with work", "NASA", 1, []string{Warning}},
		{"fractional work", "NASA", 0.25, []string{Warning}},
		{"more than one pass", "no keyword", 1.5, []string{}},
		{"lower case is not the keyword", "nasa and friends", 0, []string{}},
		{"empty", "", 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Model{Work: tt.work}.Warnings(tt.text)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("Warnings(%q) = %#v, want %#v", tt.text, got, tt.want)
			}
		})
	}
}

func TestTextReadsTitleDescriptionAndTranscript(t *testing.T) {
	v := videoapi.Video{Title: "a NASA title", Description: "plain"}
	if got := Expected(Text(v, "no keyword")); !slices.Equal(got, []string{Warning}) {
		t.Errorf("a title mentioning NASA gave %q", got)
	}
	v = videoapi.Video{Title: "plain", Description: "plain"}
	if got := Expected(Text(v, "with NASA")); !slices.Equal(got, []string{Warning}) {
		t.Errorf("a transcript mentioning NASA gave %q", got)
	}
}

// BenchmarkModelPass measures one SHA-512 pass over the 100 MB buffer.
func BenchmarkModelPass(b *testing.B) {
	m := Model{Work: 1}
	m.Warnings("") // allocate the buffer outside the timing
	b.SetBytes(ModelBufferSize)
	b.ResetTimer()
	for b.Loop() {
		m.Warnings("NASA")
	}
}

func TestModelSharedBuffer(t *testing.T) {
	// Several goroutines hash the one buffer at once; -race checks that
	// they only read it.
	transcripts := []string{"NASA", "nothing", "NASA again", "plain"}
	got := make([][]string, len(transcripts))
	var wg sync.WaitGroup
	for i, tr := range transcripts {
		wg.Go(func() { got[i] = Model{Work: 1}.Warnings(tr) })
	}
	wg.Wait()
	for i, tr := range transcripts {
		if !slices.Equal(got[i], Expected(tr)) {
			t.Errorf("Warnings(%q) = %q", tr, got[i])
		}
	}
}

// BenchmarkModelPassParallel runs passes on every core at once; with
// -cpu 1,2 its ns/op shows how the model scales with cores.
func BenchmarkModelPassParallel(b *testing.B) {
	m := Model{Work: 1}
	m.Warnings("")
	b.SetBytes(ModelBufferSize)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Warnings("NASA")
		}
	})
}
