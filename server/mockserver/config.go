package mockserver

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"strconv"

	"github.com/go-async-workshop/workshop/server/videodb"
)

// Defaults of the configuration.
const (
	DefaultAddr         = "127.0.0.1:8000"
	DefaultLatencyScale = 1.0
	DefaultVideos       = 1000
	DefaultSeed         = 20241203
	MaxLatencyScale     = 100.0 // larger scales are surely a typo
)

// Environment variables that provide defaults for the flags.
const (
	EnvAddr          = "VIDEO_SERVER_ADDR"
	EnvLatencyScale  = "VIDEO_SERVER_LATENCY_SCALE"
	EnvVideos        = "VIDEO_SERVER_VIDEOS"
	EnvSeed          = "VIDEO_SERVER_SEED"
	EnvMaxWaiting    = "VIDEO_SERVER_MAX_WAITING"
	EnvLog           = "VIDEO_SERVER_LOG"
	EnvShared        = "VIDEO_SERVER_SHARED"
	EnvSocketGroup   = "VIDEO_SERVER_SOCKET_GROUP"
	EnvAccountPrefix = "VIDEO_SERVER_ACCOUNT_PREFIX"
)

// Config configures a Server.
type Config struct {
	Addr         string  // listen address, default "127.0.0.1:8000"; or a Unix socket, "unix:/path"
	LatencyScale float64 // multiplies every modelled latency; 0 means no sleeping
	Videos       int     // number of fake videos, 1..videodb.MaxVideos
	Seed         int64   // seed of the fake data
	MaxWaiting   int     // 0 = unlimited; else 503 + Retry-After when a gate already has that many waiting
	Log          bool    // log every request to standard output
	// Shared marks a server a whole room shares: only its host may change
	// what everyone sees (see hostOnly).
	Shared bool
	// SocketGroup, for a Unix socket, is the group (a name or a number)
	// whose members may connect too: the socket is then SharedSocketMode.
	SocketGroup string
	// AccountPrefix is what starts the system account names of a class's
	// attendees: on a shared server's Unix socket an attendee is counted
	// under their account's name without it (see peerNames).
	AccountPrefix string
}

// DefaultConfig returns the configuration of the workshop: the talk's
// latencies, 1000 videos, the fixed seed.
func DefaultConfig() Config {
	return Config{
		Addr:         DefaultAddr,
		LatencyScale: DefaultLatencyScale,
		Videos:       DefaultVideos,
		Seed:         DefaultSeed,
	}
}

// Validate reports the first invalid value of c.
func (c Config) Validate() error {
	if path, ok := UnixSocketPath(c.Addr); ok {
		if err := validUnixSocket(path); err != nil {
			return err
		}
	} else if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("address %q: want host:port or unix:/path: %w", c.Addr, err)
	}
	if math.IsNaN(c.LatencyScale) || c.LatencyScale < 0 || c.LatencyScale > MaxLatencyScale {
		return fmt.Errorf("latency scale must be 0..%g, got %g", MaxLatencyScale, c.LatencyScale)
	}
	if c.Videos < 1 || c.Videos > videodb.MaxVideos {
		return fmt.Errorf("number of videos must be 1..%d, got %d", videodb.MaxVideos, c.Videos)
	}
	if _, unix := UnixSocketPath(c.Addr); c.SocketGroup != "" && !unix {
		return fmt.Errorf("socket group %q: only a Unix socket (unix:/path) has a group", c.SocketGroup)
	}
	if c.MaxWaiting < 0 {
		return fmt.Errorf("max waiting must be 0 (unlimited) or more, got %d", c.MaxWaiting)
	}
	return nil
}

// BindFlags defines the server's flags on fs, with defaults taken from the
// environment (looked up with lookupEnv, e.g. os.LookupEnv) and otherwise from
// cfg. Parsing fs then fills cfg. It returns an error naming the variable if
// an environment value does not parse.
func BindFlags(fs *flag.FlagSet, cfg *Config, lookupEnv func(string) (string, bool)) error {
	var errs []error
	env := func(name string, parse func(string) error) {
		if v, ok := lookupEnv(name); ok && v != "" {
			if err := parse(v); err != nil {
				errs = append(errs, fmt.Errorf("$%s=%q: %w", name, v, err))
			}
		}
	}
	env(EnvAddr, func(v string) error { cfg.Addr = v; return nil })
	env(EnvLatencyScale, func(v string) (err error) { cfg.LatencyScale, err = strconv.ParseFloat(v, 64); return err })
	env(EnvVideos, func(v string) (err error) { cfg.Videos, err = strconv.Atoi(v); return err })
	env(EnvSeed, func(v string) (err error) { cfg.Seed, err = strconv.ParseInt(v, 10, 64); return err })
	env(EnvMaxWaiting, func(v string) (err error) { cfg.MaxWaiting, err = strconv.Atoi(v); return err })
	env(EnvLog, func(v string) (err error) { cfg.Log, err = strconv.ParseBool(v); return err })
	env(EnvShared, func(v string) (err error) { cfg.Shared, err = strconv.ParseBool(v); return err })
	env(EnvSocketGroup, func(v string) error { cfg.SocketGroup = v; return nil })
	env(EnvAccountPrefix, func(v string) error { cfg.AccountPrefix = v; return nil })

	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address host:port, or unix:/path/to/socket ($"+EnvAddr+")")
	fs.Float64Var(&cfg.LatencyScale, "latency-scale", cfg.LatencyScale, "multiplies every modelled latency; 0 = no sleeping ($"+EnvLatencyScale+")")
	fs.IntVar(&cfg.Videos, "videos", cfg.Videos, "number of fake videos ($"+EnvVideos+")")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the fake data ($"+EnvSeed+")")
	fs.IntVar(&cfg.MaxWaiting, "max-waiting", cfg.MaxWaiting, "requests allowed to wait per gate before 503 + Retry-After; 0 = unlimited ($"+EnvMaxWaiting+")")
	fs.BoolVar(&cfg.Log, "log", cfg.Log, "log every request ($"+EnvLog+")")
	fs.BoolVar(&cfg.Shared, "shared", cfg.Shared, "a server the whole room shares: PATCH and POST /stats/reset only from its host, the server's own user or root on its Unix socket ($"+EnvShared+")")
	fs.StringVar(&cfg.SocketGroup, "socket-group", cfg.SocketGroup, "members of this group may connect to the Unix socket too (mode 0660) ($"+EnvSocketGroup+")")
	fs.StringVar(&cfg.AccountPrefix, "account-prefix", cfg.AccountPrefix, "on a shared server's Unix socket, attendees are counted by account name without this prefix ($"+EnvAccountPrefix+")")
	return errors.Join(errs...)
}
