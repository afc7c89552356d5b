package nbrun

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// fakeJupyter writes a shell script standing in for jupyter and returns
// tools that run it.
func fakeJupyter(t *testing.T, script string) Tools {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jupyter")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return Tools{Root: t.TempDir(), Jupyter: path, Env: os.Environ()}
}

// TestExecuteErrors: a caller can inspect why Execute failed: the exit of
// jupyter, or the end of its context.
func TestExecuteErrors(t *testing.T) {
	nb := filepath.Join(t.TempDir(), "x.ipynb")
	if err := os.WriteFile(nb, []byte(`{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("jupyter fails", func(t *testing.T) {
		_, err := Execute(context.Background(), fakeJupyter(t, "echo broken kernel >&2; exit 3"), nb, t.TempDir(), nil, time.Minute)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("Execute = %v, want an *exec.ExitError with status 3", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Execute = %v: a failed run is not a deadline", err)
		}
	})

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := Execute(ctx, fakeJupyter(t, "exec sleep 60"), nb, t.TempDir(), nil, time.Minute)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Execute = %v, want an error that is context.DeadlineExceeded", err)
		}
	})
}
