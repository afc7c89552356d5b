package mockserver

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		errHas string // "" means valid
	}{
		{"default", func(*Config) {}, ""},
		{"no sleeping", func(c *Config) { c.LatencyScale = 0 }, ""},
		{"container address", func(c *Config) { c.Addr = "0.0.0.0:8000" }, ""},
		{"address without port", func(c *Config) { c.Addr = "localhost" }, "address"},
		{"negative scale", func(c *Config) { c.LatencyScale = -1 }, "latency scale"},
		{"huge scale", func(c *Config) { c.LatencyScale = MaxLatencyScale + 1 }, "latency scale"},
		{"no videos", func(c *Config) { c.Videos = 0 }, "videos"},
		{"too many videos", func(c *Config) { c.Videos = 1 << 30 }, "videos"},
		{"negative max waiting", func(c *Config) { c.MaxWaiting = -1 }, "max waiting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.change(&cfg)
			err := cfg.Validate()
			if tt.errHas == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.errHas)
			}
			if _, nerr := newServer(cfg); (nerr == nil) != (err == nil) {
				t.Fatalf("New and Validate disagree: %v vs %v", nerr, err)
			}
		})
	}
}

func TestBindFlags(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		want   Config
		errHas string
	}{
		{"defaults", nil, nil, DefaultConfig(), ""},
		{
			"environment",
			map[string]string{EnvAddr: "0.0.0.0:8000", EnvLatencyScale: "0.1", EnvVideos: "50", EnvSeed: "7", EnvMaxWaiting: "30", EnvLog: "true"},
			nil,
			Config{Addr: "0.0.0.0:8000", LatencyScale: 0.1, Videos: 50, Seed: 7, MaxWaiting: 30, Log: true},
			"",
		},
		{
			"flags beat environment",
			map[string]string{EnvAddr: "0.0.0.0:8000", EnvLatencyScale: "0.1"},
			[]string{"-addr", "127.0.0.1:9000", "-latency-scale", "0", "-videos", "10", "-seed", "1", "-max-waiting", "5", "-log"},
			Config{Addr: "127.0.0.1:9000", LatencyScale: 0, Videos: 10, Seed: 1, MaxWaiting: 5, Log: true},
			"",
		},
		{"bad environment", map[string]string{EnvVideos: "many"}, nil, Config{}, EnvVideos},
		{"empty environment ignored", map[string]string{EnvSeed: ""}, nil, DefaultConfig(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			fs := flag.NewFlagSet("server", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			err := BindFlags(fs, &cfg, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("error %v, want one naming %s", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if cfg != tt.want {
				t.Errorf("config %+v, want %+v", cfg, tt.want)
			}
		})
	}
}
