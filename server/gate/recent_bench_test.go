package gate

import (
	"testing"
	"time"
)

// BenchmarkRecentFull reads the percentiles of a gate whose window is full:
// what one dashboard snapshot costs for the busiest gate under load.
func BenchmarkRecentFull(b *testing.B) {
	g := New(Config{})
	now := time.Now()
	for i := range 20000 { // 20,000 answers in the last second
		g.recent.add(now.Add(-time.Duration(i)*50*time.Microsecond), time.Duration(50+i%7)*time.Millisecond)
	}
	for b.Loop() {
		g.mu.Lock()
		n, samples := g.recent.collect(now, nil)
		g.mu.Unlock()
		summarize(n, samples)
	}
}

// BenchmarkRecordLatency is what every answered request pays.
func BenchmarkRecordLatency(b *testing.B) {
	var r recentLatencies
	now := time.Now()
	for b.Loop() {
		r.add(now, 50*time.Millisecond)
	}
}
