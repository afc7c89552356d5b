package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// dashboardClients are open GET /stats/stream responses, each on its own
// connection, read event by event as a dashboard page reads them. They run
// in this process, so their own reading counts against the throughput too:
// the measured cost is an upper bound of the server's.
type dashboardClients struct {
	cancel    context.CancelFunc
	transport *http.Transport
	wg        sync.WaitGroup
	opened    time.Time
	n         int
	events    atomic.Int64 // data lines read, all clients together
	failed    atomic.Int64 // streams that ended before close
	closing   atomic.Bool
}

// openDashboards opens n streams on base and returns once all answered.
func openDashboards(base string, n int) (*dashboardClients, error) {
	ctx, cancel := context.WithCancel(context.Background())
	d := &dashboardClients{cancel: cancel, transport: &http.Transport{}, n: n}
	client := &http.Client{Transport: d.transport}
	ready := make(chan error, n)
	for range n {
		d.wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/stats/stream", nil)
			resp, err := client.Do(req)
			if err == nil && resp.StatusCode != http.StatusOK {
				resp.Body.Close()
				err = fmt.Errorf("GET /stats/stream: %s", resp.Status)
			}
			ready <- err
			if err != nil {
				return
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if data, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: ")); ok && len(data) > 0 && data[0] == '{' {
					d.events.Add(1)
				}
			}
			if !d.closing.Load() {
				d.failed.Add(1)
			}
		})
	}
	for range n {
		if err := <-ready; err != nil {
			d.close()
			return nil, err
		}
	}
	d.opened = time.Now()
	return d, nil
}

// close ends the streams and returns the events per second each one read
// since they all opened.
func (d *dashboardClients) close() float64 {
	elapsed := time.Since(d.opened)
	d.closing.Store(true)
	d.cancel()
	d.wg.Wait()
	d.transport.CloseIdleConnections()
	if d.opened.IsZero() || elapsed <= 0 {
		return 0
	}
	return float64(d.events.Load()) / elapsed.Seconds() / float64(d.n)
}
