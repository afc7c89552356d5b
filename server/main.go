// Command server runs the workshop's mock video service.
//
//	go run ./server            # http://127.0.0.1:8000, the talk's latencies
//	go run ./server -h         # flags and their environment variables
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-async-workshop/workshop/server/mockserver"
)

// Timeouts of the process.
const (
	shutdownTimeout    = 30 * time.Second
	healthcheckTimeout = 3 * time.Second
)

func main() {
	cfg := mockserver.DefaultConfig()
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags]\n\nRuns the workshop's mock video service. Every flag falls back to the environment variable shown after it.\n\n", fs.Name())
		fs.PrintDefaults()
	}
	envErr := mockserver.BindFlags(fs, &cfg, os.LookupEnv)
	healthcheck := fs.Bool("healthcheck", false, "check that a server answers GET /healthz at -addr, exit 0 if so, 1 if not (for container health checks)")
	_ = fs.Parse(os.Args[1:]) // ExitOnError
	if envErr != nil {
		log.Fatal(envErr)
	}
	if *healthcheck {
		if err := checkHealth(cfg.Addr); err != nil {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(cfg); err != nil {
		log.Fatal(err)
	}
}

// run serves until SIGINT or SIGTERM, then lets in-flight requests finish.
func run(cfg mockserver.Config) error {
	srv, err := mockserver.Start(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Printf("video server on %s (latency scale %g, %d videos); docs at /docs, live dashboard at /dashboard; Ctrl+C stops it", srv.URL, cfg.LatencyScale, cfg.Videos)

	select {
	case err := <-srv.Served():
		return err
	case <-ctx.Done():
	}
	stop() // a second signal kills the process
	log.Print("shutting down: waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Stop(sctx); err != nil {
		return err
	}
	log.Print("stopped")
	return nil
}

// checkHealth asks the server at addr for /healthz. A wildcard host such as
// 0.0.0.0 is reached through the loopback address; "unix:/path" through
// its socket.
func checkHealth(addr string) error {
	client := http.Client{Timeout: healthcheckTimeout}
	var base string
	if path, ok := mockserver.UnixSocketPath(addr); ok {
		client.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}
		base = "http://unix"
	} else {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return err
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("GET /healthz: " + resp.Status)
	}
	return nil
}
