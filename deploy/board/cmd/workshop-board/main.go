// Command workshop-board serves the class board (package board) as a
// JupyterHub service. The hub starts it (a managed service) with the
// environment it gives every service:
//
//	JUPYTERHUB_API_TOKEN, JUPYTERHUB_API_URL, JUPYTERHUB_CLIENT_ID,
//	JUPYTERHUB_OAUTH_CALLBACK_URL, JUPYTERHUB_SERVICE_PREFIX,
//	JUPYTERHUB_SERVICE_URL (where it listens), JUPYTERHUB_BASE_URL
//
// and, of its own, BOARD_STUCK_AFTER (a Go duration, default 5m): how long
// an exercise may stay red before the row says "stuck"; BOARD_SERVERS_URL:
// where the board reaches the attendees' servers to show their notebooks:
// the hub's proxy with the hub's base URL, under which user/<name>/ is each
// attendee's server (default: JUPYTERHUB_PUBLIC_HUB_URL without its hub/,
// when the hub sets it). In a Kubernetes hub
// pod, where the hub does not start it, BOARD_LISTEN gives the address.
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-async-workshop/workshop/deploy/board"
)

// HubPoll is how often the board reads the hub's list of users.
const HubPoll = 2 * time.Second

func main() {
	if err := run(); err != nil {
		log.Fatalf("workshop-board: %v", err)
	}
}

// env returns a variable the hub sets, or an error naming it.
func env(name string) (string, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return "", fmt.Errorf("%s is not set: the hub starts this program as a service (docs/classroom.md)", name)
	}
	return v, nil
}

func run() error {
	vals := map[string]string{}
	for _, n := range []string{"JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL", "JUPYTERHUB_CLIENT_ID",
		"JUPYTERHUB_OAUTH_CALLBACK_URL", "JUPYTERHUB_SERVICE_PREFIX"} {
		v, err := env(n)
		if err != nil {
			return err
		}
		vals[n] = v
	}
	listen := os.Getenv("BOARD_LISTEN")
	if listen == "" {
		u, err := url.Parse(os.Getenv("JUPYTERHUB_SERVICE_URL"))
		if err != nil || u.Host == "" {
			return fmt.Errorf("JUPYTERHUB_SERVICE_URL=%q is not a URL, and BOARD_LISTEN is not set", os.Getenv("JUPYTERHUB_SERVICE_URL"))
		}
		listen = u.Host
	}
	stuck := board.DefaultStuckAfter
	if v := os.Getenv("BOARD_STUCK_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("BOARD_STUCK_AFTER=%q is not a positive duration such as 5m", v)
		}
		stuck = d
	}
	base := os.Getenv("JUPYTERHUB_BASE_URL")
	if base == "" {
		base = "/"
	}
	base = strings.TrimRight(base, "/") + "/"
	hub := &board.Hub{API: vals["JUPYTERHUB_API_URL"], Token: vals["JUPYTERHUB_API_TOKEN"], Client: &http.Client{Timeout: board.HubTimeout}}
	hub.Servers = os.Getenv("BOARD_SERVERS_URL")
	if hub.Servers == "" {
		hub.Servers = strings.TrimSuffix(strings.TrimRight(os.Getenv("JUPYTERHUB_PUBLIC_HUB_URL"), "/"), "/hub")
	}
	if hub.Servers == "" {
		log.Printf("workshop-board: BOARD_SERVERS_URL is not set: the board cannot show attendees' notebooks")
	}
	st := board.NewState(stuck)
	srv := &board.Server{
		Prefix: vals["JUPYTERHUB_SERVICE_PREFIX"],
		State:  st,
		Hub:    hub,
		OAuth: &board.OAuth{Hub: hub, ClientID: vals["JUPYTERHUB_CLIENT_ID"],
			AuthorizeURL: base + "hub/api/oauth2/authorize", CallbackURL: vals["JUPYTERHUB_OAUTH_CALLBACK_URL"]},
		Logf: log.Printf,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go hub.Poll(ctx, st, HubPoll, log.Printf)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	log.Printf("workshop-board: serving %s on %s (stuck after %v)", srv.Prefix, ln.Addr(), stuck)
	if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
