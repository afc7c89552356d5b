package contentwarnings

import (
	"slices"
	"sync"
	"testing"
)

func TestModelWarnings(t *testing.T) {
	tests := []struct {
		name, transcript string
		work             int
		want             []string
	}{
		{"mentions", "we flew with NASA to the moon", 0, []string{Warning}},
		{"mentions with work", "NASA", 1, []string{Warning}},
		{"lower case is not the keyword", "nasa and friends", 0, []string{}},
		{"empty", "", 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Model{Work: tt.work}.Warnings(tt.transcript)
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("Warnings(%q) = %#v, want %#v", tt.transcript, got, tt.want)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		value        string
		work, videos int
	}{
		{"", DefaultModelWork, DefaultVideos},
		{"3", 3, 3},
		{"0", 0, DefaultVideos},
		{"-1", DefaultModelWork, DefaultVideos},
		{"many", DefaultModelWork, DefaultVideos},
	}
	for _, tt := range tests {
		t.Setenv(EnvModelWork, tt.value)
		t.Setenv(EnvVideos, tt.value)
		if got := ModelWorkFromEnv(); got != tt.work {
			t.Errorf("%q: ModelWorkFromEnv() = %d, want %d", tt.value, got, tt.work)
		}
		if got := VideosFromEnv(); got != tt.videos {
			t.Errorf("%q: VideosFromEnv() = %d, want %d", tt.value, got, tt.videos)
		}
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
