package concurrency

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

// gauge counts calls in flight and remembers the peak.
type gauge struct {
	now, peak, calls atomic.Int64
}

// call returns a Call that takes d, fails for item fail (-1: never) and
// returns i*i, counting what it does in g.
func (g *gauge) call(d time.Duration, fail int) Call[int] {
	return func(ctx context.Context, i int) (int, error) {
		g.calls.Add(1)
		n := g.now.Add(1)
		defer g.now.Add(-1)
		for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
		}
		if i == fail {
			return 0, fmt.Errorf("item %d failed", i)
		}
		if err := Sleep(ctx, d); err != nil {
			return 0, err
		}
		return i * i, nil
	}
}

// squares returns 0, 1, 4, ... (n values): what the gauge's calls return.
func squares(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i * i
	}
	return out
}
