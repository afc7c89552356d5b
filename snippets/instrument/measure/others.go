package measure

import (
	"fmt"

	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// ownView returns the endpoints of st that saw requests, without the
// counts per client: a report shows the server's totals and never names
// the other people who use the server.
func ownView(st videoapi.Stats) map[string]videoapi.EndpointStats {
	out := map[string]videoapi.EndpointStats{}
	for name, s := range st {
		if s.Served+s.Rejected+s.InFlight+s.Waiting > 0 {
			s.Clients = nil
			out[name] = s
		}
	}
	return out
}

// otherClients is the name under which the server counts the requests of
// clients past its limit of names.
const otherClients = "(other)"

// otherRequests returns how many requests (answered or turned away) the
// server's counts per client give to clients other than the one named me,
// on every endpoint, since Start reset the counters. A client with a name
// resets its own counters and the totals: the others' are the totals less
// its own, unless the server counts it among otherClients (past its limit
// of names), when nothing can be told: 0. A client without a name resets
// every counter: the others' are those of every client that named itself;
// another client without a name is not counted apart, so it goes unseen.
func otherRequests(st videoapi.Stats, me string) int {
	if me != "" && !hasOwnCounts(st, me) && hasOwnCounts(st, otherClients) {
		return 0
	}
	n := 0
	for _, s := range st {
		if me == "" {
			for _, c := range s.Clients {
				n += c.Served + c.Rejected
			}
			continue
		}
		mine := s.Clients[me]
		n += max(s.Served+s.Rejected-mine.Served-mine.Rejected, 0)
	}
	return n
}

// hasOwnCounts reports whether the server counts the client named name
// apart on any endpoint.
func hasOwnCounts(st videoapi.Stats, name string) bool {
	for _, s := range st {
		if _, ok := s.Clients[name]; ok {
			return true
		}
	}
	return false
}

// OthersNote says, for a run during which other programs sent requests to
// the same server, that its figures include theirs; "" otherwise.
func (res Result) OthersNote() string {
	if res.OtherRequests <= 0 {
		return ""
	}
	return fmt.Sprintf("Note: another program also used this server during this run: %d of its requests are not yours; the figures above include them.", res.OtherRequests)
}
