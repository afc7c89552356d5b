package servertest

import (
	"net"
	"net/http"
	"testing"

	"github.com/go-async-workshop/workshop/server/mockserver"
)

func TestStartServesAndStops(t *testing.T) {
	var url string
	t.Run("running", func(t *testing.T) {
		cfg := mockserver.DefaultConfig()
		cfg.LatencyScale = 0
		cfg.Addr = "203.0.113.1:1" // ignored
		srv := Start(t, cfg)
		url = srv.URL
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %s", resp.Status)
		}
	})
	// The subtest's cleanup has stopped the server.
	if resp, err := http.Get(url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatalf("server at %s still answers after cleanup", url)
	}
}

func TestStartAtServesOnTheGivenAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0
	srv := StartAt(t, cfg, addr)
	if srv.URL != "http://"+addr {
		t.Fatalf("URL = %s, want http://%s", srv.URL, addr)
	}
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %s", resp.Status)
	}
}
