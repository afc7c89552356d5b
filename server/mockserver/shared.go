package mockserver

import (
	"net"
	"os"

	"github.com/gofiber/fiber/v2"
)

// A server the room shares (Config.Shared) is the host's: every attendee
// sends it requests, and its counters and data are what the projected
// dashboard shows. So the requests that change what everyone sees, PATCH
// /videos/{id} and POST /stats/reset, are the host's alone. The host is
// told apart by the operating system, not by anything a client sends: the
// peer of a Unix socket connection whose user is root or the server's own
// user. Over TCP nobody is the host, and those requests are refused.

// notTheHost is the detail of a refused request.
const notTheHost = "this server is shared by the room: only its host may change its data or reset its counters"

// hostOnly answers 403 unless the request comes from the host of a shared
// server; on a server of one's own it lets every request through.
func (s *server) hostOnly(c *fiber.Ctx) error {
	if !s.cfg.Shared {
		return c.Next()
	}
	if isHost(peerUID(c.Context().Conn())) {
		return c.Next()
	}
	return fiber.NewError(fiber.StatusForbidden, notTheHost)
}

// isHost reports whether a peer (its user id, if known) is the host of a
// shared server: root, or the user the server runs as.
func isHost(uid int, known bool) bool {
	return known && (uid == 0 || uid == os.Getuid())
}

// peerUID returns the user id of the process at the other end of a Unix
// socket connection, and false for any other connection or where the
// system does not say.
func peerUID(c net.Conn) (int, bool) {
	for {
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = u.NetConn()
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, false
	}
	return unixPeerUID(uc)
}
