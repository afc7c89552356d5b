package gate

import "strings"

// OtherClients is the name under which ClientStats counts the requests of
// clients past Config.MaxClients.
const OtherClients = "(other)"

// clientCounts holds the counters of each client, for at most max named
// clients plus OtherClients: its memory is bounded whatever names arrive.
type clientCounts struct {
	max    int
	counts map[string]*Stats
}

// of returns the counters of the named client, creating them if needed; nil
// for "" (no client) or when no client is counted apart. A name past the
// limit gets the counters of OtherClients.
func (c *clientCounts) of(name string) *Stats {
	if name == "" || c.max == 0 {
		return nil
	}
	if s, ok := c.counts[name]; ok {
		return s
	}
	if c.counts == nil {
		c.counts = map[string]*Stats{}
	}
	if name != OtherClients && c.named() >= c.max {
		name = OtherClients
		if s, ok := c.counts[name]; ok {
			return s
		}
	}
	s := &Stats{}
	c.counts[strings.Clone(name)] = s // the caller's string may be a view of a reused buffer
	return s
}

// named counts the named clients, OtherClients aside.
func (c *clientCounts) named() int {
	n := len(c.counts)
	if _, ok := c.counts[OtherClients]; ok {
		n--
	}
	return n
}

// reset zeroes the counters of the named client, or of every client for
// "". A client with no request left in the gate is forgotten, which makes
// room for new names.
func (c *clientCounts) reset(name string) {
	for n, s := range c.counts {
		if name != "" && n != name {
			continue
		}
		if s.InFlight == 0 && s.Waiting == 0 {
			delete(c.counts, n)
			continue
		}
		*s = restart(*s)
	}
}

// ClientStats returns the counters of every client that has sent requests
// since the last reset, by name, with OtherClients for those past the
// limit; nil when there are none.
func (g *Gate) ClientStats() map[string]Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.clients.counts) == 0 {
		return nil
	}
	out := make(map[string]Stats, len(g.clients.counts))
	for name, s := range g.clients.counts {
		out[name] = *s
	}
	return out
}
