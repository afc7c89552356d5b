package videoapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
)

// A server on a Unix socket: VIDEO_API_URL=unix:///path/to/video.sock.
//
// The one-machine classroom gives every attendee a mock server on a socket in
// their private home, which no other attendee can reach. Requests still
// speak HTTP: the Client sends them to http://UnixSocketHost, and dials the
// socket for that host. So do the http.Transports that cells clone from
// http.DefaultTransport (notebook 01 measures Go's default transport against
// the server): the first Client made for a socket teaches
// http.DefaultTransport the same host, and every other host is dialled as
// before.
const (
	// UnixScheme starts a base URL that names a Unix socket.
	UnixScheme = "unix:"
	// UnixSocketHost is the host name under which a server on a Unix socket
	// is reached: the host part of BaseURL.
	UnixSocketHost = "video-server.sock"
	// HubProxyName is the path, under an attendee's Jupyter server, at which
	// jupyter-server-proxy serves their server (deploy/jupyter): the way a
	// browser reaches a server on a socket.
	HubProxyName = "video-api"
)

// sockets maps the hosts of Unix socket servers ("video-server.sock:80")
// to their socket paths.
var sockets struct {
	sync.RWMutex
	byAddr map[string]string
	byPath map[string]string // path -> host
}

// unixSocketPath returns the socket path of a "unix:" base URL.
func unixSocketPath(base string) (string, bool) {
	rest, ok := strings.CutPrefix(base, UnixScheme)
	if !ok {
		return "", false
	}
	return "/" + strings.TrimLeft(rest, "/"), true
}

// socketHost returns the host name for the socket at path: UnixSocketHost
// for the first socket a program uses, then numbered ones.
func socketHost(path string) string {
	sockets.Lock()
	defer sockets.Unlock()
	if h, ok := sockets.byPath[path]; ok {
		return h
	}
	if sockets.byPath == nil {
		sockets.byPath, sockets.byAddr = map[string]string{}, map[string]string{}
	}
	h := UnixSocketHost
	if n := len(sockets.byPath); n > 0 {
		h = fmt.Sprintf("video-server-%d.sock", n+1)
	}
	sockets.byPath[path] = h
	sockets.byAddr[h+":80"] = path
	return h
}

// socketFor returns the socket path for a dialled address, or "".
func socketFor(addr string) string {
	sockets.RLock()
	defer sockets.RUnlock()
	return sockets.byAddr[addr]
}

// dialSockets wraps a DialContext: hosts of sockets are dialled on their
// socket, any other address by next (nil: a plain net.Dialer).
func dialSockets(next func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if next == nil {
		next = (&net.Dialer{}).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if path := socketFor(addr); path != "" {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}
		return next(ctx, network, addr)
	}
}

var teachDefaultTransport sync.Once

// useSocket registers the socket at path and returns the base URL that
// reaches it.
func useSocket(path string) string {
	host := socketHost(path)
	teachDefaultTransport.Do(func() {
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			t.DialContext = dialSockets(t.DialContext)
		}
	})
	return "http://" + host
}

func init() {
	// A program started with VIDEO_API_URL on a socket knows its host
	// before main runs, and before any cell clones http.DefaultTransport.
	if path, ok := unixSocketPath(BaseURL()); ok {
		useSocket(path)
	}
}
