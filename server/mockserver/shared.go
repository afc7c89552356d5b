package mockserver

import (
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"

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

// peerNames names the clients of a shared server's Unix socket by their
// user id, as the operating system gives it (SO_PEERCRED): the account's
// name, without the class's account prefix if it has it ("wsa-alice" is
// "alice", as the attendee's name in the hub), or "uid-N" for an id with
// no account. Names are looked up once per user id.
type peerNames struct {
	prefix string
	lookup func(uid int) (string, error) // the account name of uid
	mu     sync.Mutex
	names  map[int]string
}

// newPeerNames returns the names of peers by lookup, without prefix.
func newPeerNames(prefix string, lookup func(int) (string, error)) *peerNames {
	return &peerNames{prefix: prefix, lookup: lookup, names: map[int]string{}}
}

// name returns the client name of uid.
func (p *peerNames) name(uid int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, ok := p.names[uid]; ok {
		return n
	}
	account, err := p.lookup(uid)
	if err != nil {
		// Not kept: the account may be made later.
		return "uid-" + strconv.Itoa(uid)
	}
	name := account
	if rest, ok := strings.CutPrefix(account, p.prefix); ok && p.prefix != "" && rest != "" {
		name = rest
	}
	p.names[uid] = name
	return name
}

// accountName returns the name of the system account of uid.
func accountName(uid int) (string, error) {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return "", err
	}
	return u.Username, nil
}
