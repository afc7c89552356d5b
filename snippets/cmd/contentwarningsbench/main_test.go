package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

func TestFinalBound(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		scale     float64
		perVideo  time.Duration
		cores     int
		cpu, io   time.Duration
		bindingIO bool
	}{
		// 100 videos, 5 at a time at 200 ms: 20 rounds = 4 s, plus list and save.
		{"I/O bound", 100, 1, 0, 2, 300 * time.Millisecond, 4100 * time.Millisecond, true},
		// 100 x 1.5 s of CPU on 2 cores = 75 s.
		{"CPU bound", 100, 1, 1500 * time.Millisecond, 2, 75300 * time.Millisecond, 5600 * time.Millisecond, false},
		{"scaled", 10, 0.1, 0, 4, 30 * time.Millisecond, 50 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := finalBound(tt.n, tt.scale, tt.perVideo, tt.cores)
			if b.cpu != tt.cpu || b.io != tt.io {
				t.Errorf("bound = cpu %v io %v, want cpu %v io %v", b.cpu, b.io, tt.cpu, tt.io)
			}
			if (b.max() == b.io) != tt.bindingIO {
				t.Errorf("max() = %v picks the wrong limit", b.max())
			}
		})
	}
}

func TestOccupancy(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		spans []timeline.Span
		slots int
		want  float64
	}{
		{"none", nil, 2, 0},
		{"two slots always busy", []timeline.Span{{Lane: "model", Label: "a", Start: 0, End: 100 * ms}, {Lane: "model", Label: "b", Start: 0, End: 100 * ms}}, 2, 1},
		{"one of two slots busy", []timeline.Span{{Lane: "model", Label: "a", Start: 0, End: 100 * ms}, {Lane: "model", Label: "b", Start: 100 * ms, End: 200 * ms}}, 2, 0.5},
		{"other lanes ignored", []timeline.Span{{Lane: "model", Label: "a", Start: 0, End: 100 * ms}, {Lane: "save", Label: "a", Start: 0, End: 900 * ms}}, 1, 1},
	}
	for _, tt := range tests {
		if got := occupancy(tt.spans, "model", tt.slots); got != tt.want {
			t.Errorf("%s: occupancy %.3f, want %.3f", tt.name, got, tt.want)
		}
	}
}

func TestRunInProcess(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-n", "12", "-work", "0", "-scale", "0.05"}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, p := range []string{
		`contentwarningsbench: 12 videos, \d+ cores`,
		`model: one SHA-512 pass over 100 MB = \d+\.\d{3}s CPU`,
		`sync    wall +\d+\.\d\ds  verified, \d+ flagged`,
		`attempt wall +\d+\.\d\ds  verified`,
		`final   wall +\d+\.\d\ds  verified`,
		`server video gate: peak in flight \d+`,
		`sync / final: \d+\.\d\dx   attempt / final: \d+\.\d\dx`,
		`final bound: max\(CPU \d+\.\d\ds, I/O \d+\.\d\ds\) = \d+\.\d\ds -> efficiency \d\.\d{3}`,
	} {
		if !regexp.MustCompile(p).MatchString(out.String()) {
			t.Errorf("output lacks /%s/:\n%s", p, out.String())
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-n", "0"}, {"-work", "ten"}, {"-work", "1,-1"}, {"-scale", "-1"}} {
		var out strings.Builder
		if err := run(context.Background(), args, &out); err == nil {
			t.Errorf("run(%q) accepted", args)
		}
	}
}
