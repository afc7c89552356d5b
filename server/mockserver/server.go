// Package mockserver is the workshop's mock video service: a Fiber app whose
// endpoints answer after the latencies of an overloaded backend (see package
// gate), with fake data from package videodb.
package mockserver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/logger"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/go-async-workshop/workshop/server/gate"
	"github.com/go-async-workshop/workshop/server/videodb"
)

// Names of the endpoints in GET /stats.
const (
	StatVideosList = "videos_list"
	StatVideo      = "video"
	StatTranscript = "transcript"
	StatPatch      = "patch"
	StatPosts      = "posts"
	StatTiles      = "tiles"
	StatWeather    = "weather"
)

// The latency model: two gates with limited slots, the rest fixed delays.
const (
	VideoCapacity      = 10
	VideoMinDelay      = 200 * time.Millisecond
	VideoStep          = 100 * time.Millisecond
	TranscriptCapacity = 20
	TranscriptMinDelay = 100 * time.Millisecond
	TranscriptStep     = 100 * time.Millisecond
	ListDelay          = 50 * time.Millisecond
	PatchDelay         = 50 * time.Millisecond
	PostsDelay         = 250 * time.Millisecond
	TilesDelay         = 170 * time.Millisecond
	WeatherDelay       = 100 * time.Millisecond
)

// Limits on what clients may send.
const (
	MaxBodyBytes     = 4 << 10 // largest request body; larger ones get 413
	MaxWarnings      = 20      // most warnings a video may carry
	MaxWarningLength = 200     // most characters in one warning
	DefaultListSize  = 100     // n of GET /videos when the query omits it
	IdleTimeout      = 30 * time.Second
)

// Server is the mock video service.
type Server struct {
	cfg         Config
	app         *fiber.App
	db          *videodb.DB
	list        listJSON
	posts       []Post
	gates       map[string]*gate.Gate
	now         func() time.Time // the weather's clock
	doc         []byte           // the OpenAPI document
	docsUI      []byte           // the /docs page, rendered once
	dashboardUI []byte           // the /dashboard page
	conns       connTracker
	streams     *streamHub
}

// New builds the server for cfg, generating its data. It returns an error if
// cfg is invalid.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := videodb.New(cfg.Videos, cfg.Seed)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:   cfg,
		db:    db,
		list:  newListJSON(db.IDs(db.Len())),
		posts: newPosts(cfg.Seed),
		now:   time.Now,
	}
	s.streams = newStreamHub(s.Snapshot)
	gated := func(c int, d, step time.Duration) *gate.Gate {
		return gate.New(gate.Config{Capacity: c, MinDelay: d, Step: step, Scale: cfg.LatencyScale, MaxWaiting: cfg.MaxWaiting, Notify: s.streams.notify})
	}
	fixed := func(d time.Duration) *gate.Gate {
		return gate.New(gate.Config{MinDelay: d, Scale: cfg.LatencyScale, Notify: s.streams.notify})
	}
	s.gates = map[string]*gate.Gate{
		StatVideosList: fixed(ListDelay),
		StatVideo:      gated(VideoCapacity, VideoMinDelay, VideoStep),
		StatTranscript: gated(TranscriptCapacity, TranscriptMinDelay, TranscriptStep),
		StatPatch:      fixed(PatchDelay),
		StatPosts:      fixed(PostsDelay),
		StatTiles:      fixed(TilesDelay),
		StatWeather:    fixed(WeatherDelay),
	}
	if s.doc, s.docsUI, err = readDocs(db.IDs(1)[0]); err != nil {
		return nil, err
	}
	if s.dashboardUI, err = webFiles.ReadFile("web/dashboard.html"); err != nil {
		return nil, err
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "video-server",
		BodyLimit:             MaxBodyBytes,
		DisableStartupMessage: true,
		ErrorHandler:          errorHandler,
		IdleTimeout:           IdleTimeout,
		StrictRouting:         false, // /videos/ lists too
	})
	s.conns.conns = map[net.Conn]bool{}
	s.app.Server().ConnState = s.conns.state
	s.routes()
	return s, nil
}

// routes registers every endpoint.
func (s *Server) routes() {
	a := s.app
	a.Use(s.conns.middleware, recover.New())
	if s.cfg.Log {
		a.Use(logger.New())
	}
	a.Get("/healthz", s.healthz)
	a.Get("/stats", s.stats)
	a.Get("/stats/stream", s.statsStream)
	a.Post("/stats/reset", s.resetStats)
	a.Get("/openapi.json", s.openAPI)
	a.Get("/docs", s.docs)
	a.Get("/dashboard", s.dashboard)
	a.Get("/videos", s.listVideos)
	a.Get("/videos/:id", s.getVideo)
	a.Patch("/videos/:id", s.patchVideo)
	a.Get("/videos/:id/transcript", s.getTranscript)
	a.Get("/posts/:id", s.getPost)
	a.Get("/tiles/:z/:x/:y.png", s.getTile)
	a.Get("/weather", s.getWeather)
}

// App returns the Fiber app, e.g. for app.Test in handler tests.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until Shutdown; it returns nil after a clean
// shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(drainListener{ln}) }

// wait holds the request in the named gate. Every handler calls it once the
// input is valid, so bad requests answer at once and change no counters.
func (s *Server) wait(c *fiber.Ctx, name string) error {
	g := s.gates[name]
	// Not the request's context: in-flight requests must finish during a
	// graceful shutdown. The gate always releases the slot when Do returns.
	_, err := g.Do(context.Background())
	if errors.Is(err, gate.ErrOverloaded) {
		secs := int(math.Ceil(g.RetryAfter().Seconds()))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		return fiber.NewError(fiber.StatusServiceUnavailable, "server overloaded: too many requests waiting for "+name+"; retry later")
	}
	return err
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
		detail = fmt.Sprintf("body larger than %d bytes", MaxBodyBytes)
		if conn := c.Context().Conn(); conn != nil {
			drainOnClose(conn)
		}
	}
	return c.Status(code).JSON(fiber.Map{"detail": detail})
}

// healthz answers GET /healthz: the server is alive, and runs with these
// settings (clients use the latency scale to predict their runs).
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "latency_scale": s.cfg.LatencyScale, "max_waiting": s.cfg.MaxWaiting})
}

// stats answers GET /stats.
func (s *Server) stats(c *fiber.Ctx) error {
	out := make(map[string]gate.Stats, len(s.gates))
	for name, g := range s.gates {
		out[name] = g.Stats()
	}
	return c.JSON(out)
}

// resetStats answers POST /stats/reset.
func (s *Server) resetStats(c *fiber.Ctx) error {
	for _, g := range s.gates {
		g.ResetStats()
	}
	return c.JSON("success")
}
