package mockserver

import (
	"github.com/gofiber/fiber/v2"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/server/gate"
)

// maxClients is how many clients, named in the endpoints.ClientHeader
// header, each gate counts apart. The requests of further clients, and of
// clients whose name is not valid (endpoints.ValidClientName), count under
// gate.OtherClients; a name never fails a request. A room of attendees
// sharing one server stays well under it.
const maxClients = 64

// clientName returns the client the request counts for: "" for none, the
// name if it is valid, gate.OtherClients if not. The name is the one the
// request gives in endpoints.ClientHeader, except on a shared server's Unix
// socket, where an attendee's name comes from the operating system (see
// peerNames) and the header is ignored: nobody can be counted as someone
// else. The server's host keeps the header there. The string is only valid
// while the handler runs (the gate copies what it keeps).
func (s *server) clientName(c *fiber.Ctx) string {
	name := c.Get(endpoints.ClientHeader)
	if s.cfg.Shared {
		if uid, known := peerUID(c.Context().Conn()); known && !isHost(uid, known) {
			name = s.peers.name(uid)
		}
	}
	switch {
	case name == "":
		return ""
	case endpoints.ValidClientName(name):
		return name
	}
	return gate.OtherClients
}

// gateStats is one gate in GET /stats: its counters, and those of each
// client that named itself, if any did.
type gateStats struct {
	gate.Stats
	Clients map[string]gate.Stats `json:"clients,omitempty"`
}

// stats answers GET /stats.
func (s *server) stats(c *fiber.Ctx) error {
	out := make(map[string]gateStats, len(s.gates))
	for name, g := range s.gates {
		out[name] = gateStats{Stats: g.Stats(), Clients: g.ClientStats()}
	}
	return c.JSON(out)
}

// resetStats answers POST /stats/reset. Without a client name it drops
// every queued request (each is answered 503 at once) and zeroes every
// counter; the requests holding a slot finish as usual. With a name it
// drops that client's queued requests only and zeroes that client's
// counters and the gates' totals, so that attendees sharing a server can
// each start a measured run without cutting short the others' requests.
func (s *server) resetStats(c *fiber.Ctx) error {
	client := s.clientName(c)
	for _, g := range s.gates {
		g.ResetClient(client)
	}
	return c.JSON("success")
}
