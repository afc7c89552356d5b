package kernelclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/nbrun"
)

func TestEndpoint(t *testing.T) {
	tests := []struct {
		base, path, want string
	}{
		{"http://127.0.0.1:8888/", "api/sessions", "http://127.0.0.1:8888/api/sessions"},
		{"http://127.0.0.1:8888", "/api/sessions", "http://127.0.0.1:8888/api/sessions"},
		{"http://hub:8010/user/ann/", "api/kernels/k1/channels", "http://hub:8010/user/ann/api/kernels/k1/channels"},
		{"http://hub:8010/user/ann", "api/status", "http://hub:8010/user/ann/api/status"},
	}
	for _, tc := range tests {
		s := &Server{URL: tc.base}
		u, err := s.endpoint(tc.path)
		if err != nil {
			t.Errorf("endpoint(%q, %q): %v", tc.base, tc.path, err)
			continue
		}
		if u.String() != tc.want {
			t.Errorf("endpoint(%q, %q) = %s, want %s", tc.base, tc.path, u, tc.want)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8888", "/user/ann/"} {
		if _, err := (&Server{URL: bad}).endpoint("api/status"); err == nil {
			t.Errorf("endpoint accepted the server URL %q", bad)
		}
	}
}

// TestAPIErrors: a REST answer other than 2xx is a StatusError carrying the
// server's message; the token and Prepare's headers are sent.
func TestAPIErrors(t *testing.T) {
	var gotAuth, gotXSRF string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotXSRF = r.Header.Get("Authorization"), r.Header.Get("X-XSRFToken")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message": "No such kernel: nope"}`))
	}))
	defer srv.Close()
	s := &Server{URL: srv.URL + "/", Token: "secret", Prepare: func(r *http.Request) { r.Header.Set("X-XSRFToken", "x1") }}
	err := s.API(context.Background(), http.MethodGet, "api/kernels/nope", nil, nil)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusNotFound || !strings.Contains(se.Message, "No such kernel") {
		t.Fatalf("API on a 404 returned %v, want a StatusError with the server's message", err)
	}
	if gotAuth != "token secret" || gotXSRF != "x1" {
		t.Errorf("request headers Authorization=%q X-XSRFToken=%q, want the token and Prepare's header", gotAuth, gotXSRF)
	}
}

func TestStartRefusesBadOptions(t *testing.T) {
	ctx := context.Background()
	if _, err := Start(ctx, Options{Root: t.TempDir()}); err == nil {
		t.Error("Start without a jupyter command succeeded")
	}
	if _, err := Start(ctx, Options{Jupyter: "jupyter", Root: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("Start with a missing root folder succeeded")
	}
	if _, err := Start(ctx, Options{Jupyter: filepath.Join(t.TempDir(), "no-jupyter"), Root: t.TempDir()}); err == nil {
		t.Error("Start with a jupyter command that does not exist succeeded")
	}
}

// TestGoNBKernel drives the real GoNB kernel through a real Jupyter server:
// a cell that prints, a cell that fails to build, an unknown kernel, a
// wrong token.
func TestGoNBKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Jupyter and the GoNB kernel (make setup); skipped in -short (the fast layer)")
	}
	tools, err := nbrun.FindTools(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "scratch.ipynb"), []byte(`{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := Start(ctx, Options{Jupyter: tools.Jupyter, Env: tools.Env, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
		if err := srv.Stop(); err != nil {
			t.Errorf("a second Stop: %v", err)
		}
	}()
	if _, err := os.Stat(srv.runtime); err != nil {
		t.Fatalf("the server's runtime folder: %v", err)
	}

	k, err := srv.Open(ctx, "scratch.ipynb", "gonb")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(srv.ConnectionFile(k.ID)); err != nil {
		t.Errorf("no connection file for kernel %s: %v", k.ID, err)
	}
	if !k.Ready.After(k.Requested) {
		t.Errorf("kernel ready at %v, requested at %v", k.Ready, k.Requested)
	}
	run, err := k.Execute(ctx, "%%\nfmt.Println(\"hello from a cell\")")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "ok" || run.Text() != "hello from a cell\n" {
		t.Errorf("printing cell: status %q, text %q", run.Status, run.Text())
	}
	if run.FirstOutput <= 0 || run.Elapsed < run.FirstOutput {
		t.Errorf("printing cell: first output after %v, idle after %v", run.FirstOutput, run.Elapsed)
	}
	run, err = k.Execute(ctx, "%%\nundefinedName()")
	if err != nil {
		t.Fatal(err)
	}
	// GoNB shows a build error as HTML, then ends the cell with an error.
	shown := run.Text()
	for _, o := range run.Outputs {
		shown += string(o.Data["text/html"])
	}
	if run.Status != "error" || !strings.Contains(shown, "undefined: undefinedName") {
		t.Errorf("a cell that does not build: status %q, outputs %q; want an error naming the undefined name", run.Status, shown)
	}
	if err := k.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := k.Close(ctx); err != nil {
		t.Errorf("a second Close: %v", err)
	}

	other, err := srv.Open(ctx, "scratch.ipynb", "gonb")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Open(ctx, "scratch.ipynb", "python3"); err == nil || !strings.Contains(err.Error(), "already has a session") {
		t.Errorf("opening a second kind of kernel for the same path gave %v, want an error saying a session exists", err)
	}
	if err := other.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}

	var se *StatusError
	if _, err := srv.Open(ctx, "scratch.ipynb", "no-such-kernel"); !errors.As(err, &se) {
		t.Errorf("opening an unknown kernel gave %v, want the server's refusal", err)
	}
	wrong := srv.Server
	wrong.Token = "not-the-token"
	if _, err := wrong.Open(ctx, "scratch.ipynb", "gonb"); !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Errorf("opening a kernel with a wrong token gave %v, want 403", err)
	}
}
