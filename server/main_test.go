package main

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/composefile"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

func TestCheckHealth(t *testing.T) {
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0
	srv := servertest.Start(t, cfg)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, addr := range []string{"127.0.0.1:" + port, "0.0.0.0:" + port, ":" + port} {
		if err := checkHealth(addr); err != nil {
			t.Errorf("checkHealth(%q) = %v, want healthy", addr, err)
		}
	}
	// A port where nothing listens.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	if err := checkHealth(closed); err == nil {
		t.Errorf("checkHealth(%q) = nil, want an error", closed)
	}
	if err := checkHealth("no-port"); err == nil {
		t.Error("checkHealth without a port succeeded")
	}
}

// TestComposeFile loads docker-compose.yml as Docker Compose does and
// checks what the workshop relies on in the server service.
func TestComposeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compose file loader that make setup builds; skipped in -short")
	}
	project, err := composefile.Load("..")
	if err != nil {
		t.Fatal(err)
	}

	server, ok := project.Services["server"]
	if !ok {
		t.Fatal(`no service "server"`)
	}
	if !slices.ContainsFunc(server.Ports, func(p composefile.Port) bool { return p.Target == 8000 && p.Published == "8000" }) {
		t.Errorf("server publishes %+v, want 8000:8000", server.Ports)
	}
	if server.HealthCheck == nil || server.HealthCheck.Disable || len(server.HealthCheck.Test) == 0 {
		t.Errorf("server health check %+v, want one", server.HealthCheck)
	} else if !slices.Contains(server.HealthCheck.Test, "-healthcheck") {
		t.Errorf("server health check %v, want the binary's -healthcheck mode", server.HealthCheck.Test)
	}
	if server.Build == nil || server.Build.Dockerfile != "server/Dockerfile" {
		t.Errorf("server build %+v, want server/Dockerfile", server.Build)
	}
	if a := server.Environment[mockserver.EnvAddr]; a == nil || *a != "0.0.0.0:8000" {
		t.Errorf("server %s = %v, want 0.0.0.0:8000", mockserver.EnvAddr, a)
	}

	// The lab service (the single-user image) is checked in deploy/.
}

func TestCheckHealthUnixSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "srv")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0
	addr := "unix:" + filepath.Join(dir, "video.sock")
	servertest.StartAt(t, cfg, addr)
	if err := checkHealth(addr); err != nil {
		t.Errorf("checkHealth(%q) = %v, want healthy", addr, err)
	}
	if err := checkHealth("unix:" + filepath.Join(dir, "none.sock")); err == nil {
		t.Error("checkHealth of a socket nobody listens on succeeded")
	}
}
