package knobs

import (
	"os"
	"testing"
)

func TestParse(t *testing.T) {
	works := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0.5", 0.5, true}, {"10", 10, true}, {"0", 0, true}, {" 2 ", 2, true},
		{"-1", 0, false}, {"many", 0, false}, {"NaN", 0, false}, {"1e9", 0, false}, {"", 0, false},
	}
	for _, tt := range works {
		got, err := ParseModelWork(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseModelWork(%q) = %g, %v; want %g, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	videos := []struct {
		in   string
		want int
		ok   bool
	}{
		{"20", 20, true}, {"1", 1, true}, {"0", 0, false}, {"-3", 0, false}, {"2.5", 0, false}, {"99999", 0, false},
	}
	for _, tt := range videos {
		got, err := ParseVideos(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseVideos(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		value    string
		work     float64
		videos   int
		exitCode int // 0: no exit
	}{
		{"", DefaultModelWork, DefaultVideos, 0},
		{"3", 3, 3, 0},
		{"many", DefaultModelWork, DefaultVideos, 2},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			code := 0
			exit = func(c int) { code = c }
			t.Cleanup(func() { exit = os.Exit })
			t.Setenv(EnvModelWork, tt.value)
			t.Setenv(EnvVideos, tt.value)
			if got := ModelWork(); got != tt.work || code != tt.exitCode {
				t.Errorf("ModelWork() = %g, exit %d; want %g, exit %d", got, code, tt.work, tt.exitCode)
			}
			code = 0
			if got := Videos(); got != tt.videos || code != tt.exitCode {
				t.Errorf("Videos() = %d, exit %d; want %d, exit %d", got, code, tt.videos, tt.exitCode)
			}
		})
	}
}
