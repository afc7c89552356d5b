// Package mockserver is the workshop's mock video service: a Fiber app whose
// endpoints answer after the latencies of an overloaded backend (see package
// gate), with fake data from package videodb. Its endpoints, their names in
// GET /stats and their latency models come from one table, package
// internal/endpoints.
//
// Start runs it; everything else is the package's own.
package mockserver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/logger"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/server/gate"
	"github.com/go-async-workshop/workshop/server/videodb"
)

// The latency model under the names the measuring programs in snippets/
// use; the values are set in the endpoint table (package internal/endpoints).
const (
	VideoCapacity      = endpoints.VideoCapacity
	VideoMinDelay      = endpoints.VideoMinDelay
	TranscriptCapacity = endpoints.TranscriptCapacity
	TranscriptMinDelay = endpoints.TranscriptMinDelay
	ListDelay          = endpoints.ListDelay
	PatchDelay         = endpoints.PatchDelay
)

// Limits on what clients may send and how long they may take.
const (
	maxBodyBytes     = 4 << 10 // largest request body; larger ones get 413
	maxWarnings      = 20      // most warnings a video may carry
	maxWarningLength = 200     // most characters in one warning
	defaultListSize  = 100     // n of GET /videos when the query omits it
	idleTimeout      = 30 * time.Second
	// readTimeout bounds reading one request, header and body: a client
	// that sends half a header is disconnected after it instead of holding
	// a connection and its goroutine for ever. The clock starts when the
	// connection opens, or at the first byte of a later request on it.
	readTimeout = 10 * time.Second
)

// server is the mock video service.
type server struct {
	cfg         Config
	app         *fiber.App
	db          *videodb.DB
	list        listJSON
	posts       []post
	gates       map[string]*gate.Gate // by endpoint name
	now         func() time.Time      // the weather's clock
	doc         []byte                // the OpenAPI document
	docsUI      []byte                // the /docs page, rendered once
	dashboardUI []byte                // the /dashboard page, rendered once
	conns       connTracker
	streams     *streamHub
	renders     chan struct{}                     // a slot per tile being drawn (maxTileRenders)
	drawTile    func(z, x, y int) ([]byte, error) // renderTile; tests watch it
	peers       *peerNames                        // a shared server's clients on its Unix socket
}

// newServer builds the server for cfg, generating its data. It returns an
// error if cfg is invalid.
func newServer(cfg Config) (*server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := videodb.New(cfg.Videos, cfg.Seed)
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg:      cfg,
		db:       db,
		list:     newListJSON(db.IDs(db.Len())),
		posts:    newPosts(cfg.Seed),
		now:      time.Now,
		gates:    map[string]*gate.Gate{},
		renders:  make(chan struct{}, maxTileRenders),
		drawTile: renderTile,
		peers:    newPeerNames(cfg.AccountPrefix, accountName),
	}
	s.streams = newStreamHub(s.takeSnapshot)
	for _, e := range endpoints.All() {
		gc := gate.Config{Capacity: e.Capacity, MinDelay: e.MinDelay, Step: e.Step, Scale: cfg.LatencyScale, MaxClients: maxClients, Notify: s.streams.notify}
		if e.Gated() {
			gc.MaxWaiting = cfg.MaxWaiting
		}
		s.gates[e.Name] = gate.New(gc)
	}
	if s.doc, s.docsUI, err = readDocs(db.IDs(1)[0]); err != nil {
		return nil, err
	}
	if s.dashboardUI, err = renderDashboard(); err != nil {
		return nil, err
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "video-server",
		BodyLimit:             maxBodyBytes,
		DisableStartupMessage: true,
		ErrorHandler:          errorHandler,
		IdleTimeout:           idleTimeout,
		ReadTimeout:           readTimeout,
		StrictRouting:         false, // /videos/ lists too
	})
	s.conns.conns = map[net.Conn]bool{}
	s.app.Server().ConnState = s.conns.state
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// openAPIParam matches OpenAPI's "{name}" path parameters, which Fiber
// writes ":name".
var openAPIParam = regexp.MustCompile(`\{(\w+)\}`)

// routes registers every endpoint: the gated ones from the endpoint table,
// then the server's own.
func (s *server) routes() error {
	a := s.app
	a.Use(s.conns.middleware, recover.New())
	if s.cfg.Log {
		a.Use(logger.New())
	}
	handlers := map[string]fiber.Handler{
		endpoints.Video:      s.getVideo,
		endpoints.Transcript: s.getTranscript,
		endpoints.Patch:      s.patchVideo,
		endpoints.VideosList: s.listVideos,
		endpoints.Posts:      s.getPost,
		endpoints.Tiles:      s.getTile,
		endpoints.Weather:    s.getWeather,
	}
	for _, e := range endpoints.All() {
		h, ok := handlers[e.Name]
		if !ok {
			return fmt.Errorf("endpoint %q (%s %s) has no handler", e.Name, e.Method, e.Route)
		}
		chain := []fiber.Handler{h}
		if e.Method != fiber.MethodGet { // a change to the data: the host's alone on a shared server
			chain = []fiber.Handler{s.hostOnly, h}
		}
		a.Add(e.Method, openAPIParam.ReplaceAllString(e.Route, ":$1"), chain...)
	}
	a.Get("/healthz", s.healthz)
	a.Get("/stats", s.stats)
	a.Get("/stats/stream", s.statsStream)
	a.Post("/stats/reset", s.hostOnly, s.resetStats)
	a.Get("/openapi.json", s.openAPI)
	a.Get("/docs", s.docs)
	a.Get("/dashboard", s.dashboard)
	return nil
}

// serve answers requests on ln until shutdown; it returns nil after a clean
// shutdown.
func (s *server) serve(ln net.Listener) error { return s.app.Listener(drainListener{ln}) }

// wait holds the request in the named endpoint's gate, counted for the
// client the request names, running work (if not nil) once it holds its
// slot. Every handler calls it once the input is valid, so bad requests
// answer at once and change no counters.
func (s *server) wait(c *fiber.Ctx, name string, work func()) error {
	g := s.gates[name]
	// Not the request's context: in-flight requests must finish during a
	// graceful shutdown. The gate always releases the slot when it returns.
	_, err := g.DoAs(context.Background(), s.clientName(c), work)
	var detail string
	switch {
	case errors.Is(err, gate.ErrOverloaded):
		detail = "server overloaded: too many requests waiting for " + name + "; retry later"
	case errors.Is(err, gate.ErrDropped):
		detail = "dropped from the queue for " + name + " by POST /stats/reset; retry"
	default:
		return err
	}
	secs := int(math.Ceil(g.RetryAfter().Seconds()))
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	return fiber.NewError(fiber.StatusServiceUnavailable, detail)
}

// errorHandler answers every error as JSON {"detail": "..."}.
func errorHandler(c *fiber.Ctx, err error) error {
	code, detail := fiber.StatusInternalServerError, "internal server error"
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code, detail = fe.Code, fe.Message
		if code == fiber.StatusNotFound && len(detail) > 7 && detail[:7] == "Cannot " {
			detail = "Not Found" // no route matched
		}
	}
	if code == fiber.StatusRequestEntityTooLarge {
		// Said the same whether the HTTP engine or the handler found it;
		// the rest of the body is read and discarded before closing.
		detail = fmt.Sprintf("body larger than %d bytes", maxBodyBytes)
		if conn := c.Context().Conn(); conn != nil {
			drainOnClose(conn)
		}
	}
	return c.Status(code).JSON(fiber.Map{"detail": detail})
}

// healthz answers GET /healthz: the server is alive, and runs with these
// settings (clients use the latency scale to predict their runs).
func (s *server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "latency_scale": s.cfg.LatencyScale, "max_waiting": s.cfg.MaxWaiting, "shared": s.cfg.Shared})
}
