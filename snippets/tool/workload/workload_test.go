package workload

import (
	"strings"
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
		value  string
		work   float64
		videos int
		err    string // in the error, "" for none
	}{
		{"", DefaultModelWork, DefaultVideos, ""},
		{" ", DefaultModelWork, DefaultVideos, ""},
		{"3", 3, 3, ""},
		{"many", DefaultModelWork, DefaultVideos, "many"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv(EnvModelWork, tt.value)
			t.Setenv(EnvVideos, tt.value)
			check := func(name string, err error) {
				t.Helper()
				switch {
				case tt.err == "" && err != nil:
					t.Errorf("%s: unexpected error %v", name, err)
				case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "fix or unset it")):
					t.Errorf("%s: error %v, want one naming %q and saying how to fix it", name, err, tt.err)
				}
			}
			work, err := ModelWork()
			if work != tt.work {
				t.Errorf("ModelWork() = %g, want %g", work, tt.work)
			}
			check("ModelWork", err)
			videos, err := Videos()
			if videos != tt.videos {
				t.Errorf("Videos() = %d, want %d", videos, tt.videos)
			}
			check("Videos", err)
		})
	}
}
