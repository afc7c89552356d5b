package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

var summary = regexp.MustCompile(`^summary: mode=(sync|attempt|final) videos=(\d+) flagged=(\d+) wall=\d+\.\d\ds$`)

func startServer(t *testing.T, maxWaiting int) string {
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0.02
	cfg.Videos = 100
	cfg.MaxWaiting = maxWaiting
	return servertest.Start(t, cfg).URL
}

func TestRun(t *testing.T) {
	url := startServer(t, 0)
	tests := []struct {
		name     string
		args     []string
		contains []string // regular expressions
	}{
		{"sync log", []string{"-mode", "sync", "-n", "8"}, []string{"GET VIDEO", "▶", "✔", "peak: get video 1, transcript 1"}},
		{"attempt log", []string{"-mode", "attempt", "-n", "40"}, []string{"TRANSCRIPT", `peak: get video ([6-9]|[1-3]\d|40),`, `server video: +peak in flight 10, peak waiting [1-9]`}},
		{"final progress", []string{"-mode", "final", "-n", "30", "-log=false", "-svg", filepath.Join(t.TempDir(), "final.svg")}, []string{`final \[####`, "30/30", "verified: 30 videos", `peak: get video [1-5],`, `timeline chart: .*final.svg`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			args := append([]string{"-api", url, "-model-work", "0", "-color=false"}, tt.args...)
			if err := run(context.Background(), args, &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			m := summary.FindStringSubmatch(lines[len(lines)-1])
			if m == nil || m[1] != tt.args[1] || m[2] != tt.args[3] {
				t.Errorf("last line %q is not the summary of this run", lines[len(lines)-1])
			}
			for _, want := range tt.contains {
				if !regexp.MustCompile(want).MatchString(out.String()) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestRunAttemptRejected(t *testing.T) {
	url := startServer(t, 5)
	var out strings.Builder
	err := run(context.Background(), []string{"-api", url, "-mode", "attempt", "-n", "100", "-model-work", "0", "-log=false"}, &out)
	if err == nil {
		t.Fatalf("attempt succeeded against a server capping waiting requests:\n%s", out.String())
	}
	text := out.String()
	if !strings.Contains(text, "status 503") {
		t.Errorf("output does not show the server's 503:\n%s", text)
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if !summary.MatchString(lines[len(lines)-1]) {
		t.Errorf("last line %q is not the summary", lines[len(lines)-1])
	}
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-mode", "fast"}, `-mode "fast"`},
		{[]string{"-n", "0"}, "-n 0"},
		{[]string{"-model-work", "-2"}, "-model-work -2"},
		{[]string{"-api", "http://127.0.0.1:1"}, "go run ./server"},
		{[]string{"-bogus"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		var out strings.Builder
		err := run(context.Background(), tt.args, &out)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) error %v, want one containing %q", tt.args, err, tt.want)
		}
	}
}

// A bad environment value stops a run that would use it, with a message
// naming it, and never -h or a run whose flags replace it.
func TestRunBadEnvironment(t *testing.T) {
	url := startServer(t, 0)
	t.Setenv("WORKSHOP_VIDEOS", "2O")
	t.Setenv("WORKSHOP_MODEL_WORK", "lots")
	var out strings.Builder
	if err := run(context.Background(), []string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-model-work") {
		t.Errorf("-h with bad environment values: error %v, usage:\n%s", err, out.String())
	}
	err := run(context.Background(), []string{"-api", url, "-mode", "sync"}, io.Discard)
	for _, want := range []string{`$WORKSHOP_VIDEOS: number of videos "2O"`, "(or give -n)", `$WORKSHOP_MODEL_WORK: model work "lots"`, "(or give -model-work)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("run without -n: error %v, want one containing %q", err, want)
		}
	}
	if err := run(context.Background(), []string{"-api", url, "-mode", "sync", "-n", "2", "-model-work", "0", "-log=false"}, io.Discard); err != nil {
		t.Errorf("run with -n and -model-work: %v", err)
	}
}
