package heartbeat

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestDuring(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := During(20*time.Millisecond, func() { time.Sleep(200 * time.Millisecond) })
		// In a bubble time only moves when every goroutine waits, so the
		// heartbeat gets every tick exactly on time.
		if b.Expected != 10 || b.Ticks < 9 || b.Ticks > 10 || b.LongestGap != 20*time.Millisecond {
			t.Errorf("During = %+v, want about 10 ticks every 20ms", b)
		}
		if !strings.HasPrefix(b.String(), "the heartbeat ticked ") {
			t.Errorf("String() = %q", b.String())
		}
	})
}
