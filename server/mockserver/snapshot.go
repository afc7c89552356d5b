package mockserver

import (
	"math"
	"time"

	"github.com/go-async-workshop/workshop/server/gate"
)

// snapshot is one event of GET /stats/stream: every gate at one moment.
type snapshot struct {
	Time         time.Time               `json:"time"`
	LatencyScale float64                 `json:"latency_scale"`
	MaxWaiting   int                     `json:"max_waiting"` // 0 = unlimited
	Gates        map[string]gateSnapshot `json:"gates"`
}

// gateSnapshot is one gate in a snapshot.
type gateSnapshot struct {
	Capacity int `json:"capacity"` // slots; 0 = unlimited (a fixed latency)
	gate.Stats
	RecentServed int      `json:"recent_served"` // requests answered in the last second
	P50ms        *float64 `json:"p50_ms"`        // their median latency (arrival to answer); null if none
	P95ms        *float64 `json:"p95_ms"`        // their 95th percentile; null if none
	// Clients holds the counters of each client that named itself, if any
	// did (see maxClients).
	Clients map[string]gate.Stats `json:"clients,omitempty"`
}

// busy reports whether a gate holds or queues requests or answered some in
// the last second: then its figures change as time passes.
func (s snapshot) busy() bool {
	for _, g := range s.Gates {
		if g.InFlight > 0 || g.Waiting > 0 || g.RecentServed > 0 {
			return true
		}
	}
	return false
}

// takeSnapshot returns the state of every gate now.
func (s *server) takeSnapshot() snapshot {
	snap := snapshot{
		Time:         time.Now().UTC(),
		LatencyScale: s.cfg.LatencyScale,
		MaxWaiting:   s.cfg.MaxWaiting,
		Gates:        make(map[string]gateSnapshot, len(s.gates)),
	}
	for name, g := range s.gates {
		r := g.Recent()
		gs := gateSnapshot{Capacity: g.Capacity(), Stats: g.Stats(), RecentServed: r.Count, Clients: g.ClientStats()}
		if r.Count > 0 {
			gs.P50ms, gs.P95ms = millis(r.P50), millis(r.P95)
		}
		snap.Gates[name] = gs
	}
	return snap
}

// millis converts d to milliseconds, rounded to a tenth.
func millis(d time.Duration) *float64 {
	ms := math.Round(float64(d)/float64(time.Millisecond)*10) / 10
	return &ms
}
