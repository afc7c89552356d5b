package videoapi_test

import (
	"context"
	"testing"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func TestBrowserURL(t *testing.T) {
	tests := []struct {
		name, base, browser, hub, path, want string
	}{
		{"local", "http://127.0.0.1:8000", "", "", "/dashboard", "http://127.0.0.1:8000/dashboard"},
		{"path without slash", "http://127.0.0.1:8000", "", "", "docs", "http://127.0.0.1:8000/docs"},
		{"hub", "http://127.0.0.1:8000", "", "/user/alice/", "/dashboard", "/user/alice/proxy/8000/dashboard"},
		{"hub, attendee's own port", "http://127.0.0.1:41234", "", "/user/bob/", "/docs", "/user/bob/proxy/41234/docs"},
		{"hub prefix without slash", "http://127.0.0.1:8000", "", "/user/carol", "/dashboard", "/user/carol/proxy/8000/dashboard"},
		{"explicit browser address wins", "http://server:8000", "http://127.0.0.1:8000/", "/user/alice/", "/dashboard", "http://127.0.0.1:8000/dashboard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(videoapi.EnvBrowserURL, tt.browser)
			t.Setenv(videoapi.EnvHubPrefix, tt.hub)
			if got := videoapi.New(tt.base).BrowserURL(tt.path); got != tt.want {
				t.Errorf("BrowserURL(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0.25
	cfg.MaxWaiting = 7
	srv := servertest.Start(t, cfg)
	c := videoapi.New(srv.URL)
	t.Cleanup(c.CloseIdleConnections)
	got, err := c.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (videoapi.ServerSettings{LatencyScale: 0.25, MaxWaiting: 7}); got != want {
		t.Errorf("Settings() = %+v, want %+v", got, want)
	}
}
