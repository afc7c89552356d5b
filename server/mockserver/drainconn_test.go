package mockserver

import (
	"bytes"
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// TestDrainBounds closes draining connections whose client keeps quiet or
// keeps sending, on virtual time: the drain ends at drainTimeout or after
// maxDrainBytes, whichever comes first.
func TestDrainBounds(t *testing.T) {
	tests := []struct {
		name     string
		send     int // bytes the client sends before going quiet
		wantTime time.Duration
	}{
		{"quiet client", 0, drainTimeout},
		{"some body left", 1 << 20, drainTimeout},
		{"endless body", 2 * maxDrainBytes, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				server, client := net.Pipe()
				defer client.Close()
				sent := make(chan int, 1)
				go func() {
					n, _ := client.Write(bytes.Repeat([]byte("a"), tt.send))
					sent <- n
				}()
				c := &drainConn{Conn: server}
				drainOnClose(c)
				start := time.Now()
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took != tt.wantTime {
					t.Errorf("Close took %v, want %v", took, tt.wantTime)
				}
				n := <-sent
				if want := min(tt.send, maxDrainBytes); n < want {
					t.Errorf("client wrote %d bytes, want at least %d drained", n, want)
				}
			})
		})
	}
}

func TestNoDrainWithoutAsking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server, client := net.Pipe()
		defer client.Close()
		c := &drainConn{Conn: server}
		start := time.Now()
		_ = c.Close()
		if took := time.Since(start); took != 0 {
			t.Errorf("Close took %v, want at once", took)
		}
	})
}
