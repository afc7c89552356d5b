package mockserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// statsStream answers GET /stats/stream with Server-Sent Events, one
// snapshot as JSON per event, until the client goes or the server shuts
// down. With ?history=1 the stream starts with an event named "history":
// the gates' load over the last minute. The connection is taken over from
// the HTTP engine (hijacked), so the hub writes events to it directly and a
// shutdown does not wait for it.
func (s *server) statsStream(c *fiber.Ctx) error {
	withHistory := false
	switch h := c.Query("history"); h {
	case "", "0":
	case "1":
		withHistory = true
	default:
		return unprocessable(fmt.Sprintf("query history: want 1 or 0, got %q", h))
	}
	client := s.streamClient(c)
	if err := s.streams.join(client); err != nil {
		if errors.Is(err, errTooManyStreams) || errors.Is(err, errTooManyFromClient) {
			c.Set(fiber.HeaderRetryAfter, "5")
		}
		return err
	}
	c.Context().HijackSetNoResponse(true)
	c.Context().Hijack(func(conn net.Conn) { s.streams.serve(conn, client, withHistory) })
	return nil
}

// hostClient is the client key of a shared server's host, whose streams
// (the projected dashboard) the room's cannot crowd out: they count
// against MaxStreamsPerClient only, not against maxStreams.
const hostClient = "(host)"

// streamClient is the key the stream limits count a request's streams
// under: its remote address, or on a Unix socket its peer's user id (every
// attendee of a room their own client), or hostClient.
func (s *server) streamClient(c *fiber.Ctx) string {
	uid, known := peerUID(c.Context().Conn())
	switch {
	case s.cfg.Shared && isHost(uid, known):
		return hostClient
	case known:
		return "uid " + strconv.Itoa(uid)
	}
	return c.Context().RemoteIP().String()
}

// openStreams returns the number of open GET /stats/stream responses.
func (s *server) openStreams() int { return s.streams.openStreams() }

// streamHeader is the start of every stream: the response header (the body
// is chunked, so proxies pass each event on as it comes) and the browser's
// reconnection delay.
func streamHeader() []byte {
	b := []byte("HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/event-stream\r\n" +
		"Cache-Control: no-cache\r\n" +
		"X-Accel-Buffering: no\r\n" + // a proxy in front must not hold events back
		"Connection: close\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n")
	return append(b, chunk(fmt.Appendf(nil, "retry: %d\n\n", streamRetry.Milliseconds()))...)
}

// lastChunk ends a chunked body.
var lastChunk = []byte("0\r\n\r\n")

// chunk frames p as one chunk of a chunked body.
func chunk(p []byte) []byte {
	b := fmt.Appendf(nil, "%x\r\n", len(p))
	b = append(b, p...)
	return append(b, "\r\n"...)
}

// event frames one snapshot as a chunk holding one SSE event.
func event(msg []byte) []byte {
	p := make([]byte, 0, len(msg)+8)
	p = append(p, "data: "...)
	p = append(p, msg...)
	p = append(p, "\n\n"...)
	return chunk(p)
}
