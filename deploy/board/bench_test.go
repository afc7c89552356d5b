package board

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/percentile"
)

// Class pace for BenchmarkClassPace: every simulated attendee runs a cell
// every CellEvery on average (a person reading, typing, running) and an
// exercise's test every TestEvery, for ClassPaceWindow.
const (
	BenchAttendees  = 200
	CellEvery       = 5 * time.Second
	TestEvery       = 30 * time.Second
	ClassPaceWindow = 20 * time.Second
)

// BenchmarkClassPace runs the board (over real HTTP, its hub faked) with
// BenchAttendees attendees reporting at class pace and the host's stream
// open, and prints how far behind the stream is: the time from the board
// taking a report to the first event that shows it (p50, p99, max; reports
// of one attendee within one event count once), and the events the stream
// sent. The target is a stream under 1 s behind.
//
//	go test ./deploy/board -run '^$' -bench ClassPace -benchtime 1x
func BenchmarkClassPace(b *testing.B) {
	for range b.N {
		lags, events, reports := classPace(b)
		slices.Sort(lags)
		if len(lags) == 0 {
			b.Fatal("the stream showed no report")
		}
		pct := func(p float64) time.Duration { return percentile.Sorted(lags, p) }
		b.ReportMetric(float64(pct(50).Microseconds())/1000, "lag-p50-ms")
		b.ReportMetric(float64(pct(99).Microseconds())/1000, "lag-p99-ms")
		b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "lag-max-ms")
		b.ReportMetric(float64(reports)/ClassPaceWindow.Seconds(), "reports/s")
		b.ReportMetric(float64(events)/ClassPaceWindow.Seconds(), "events/s")
		fmt.Printf("%d attendees, %d reports in %v: stream lag p50 %v, p99 %v, max %v (%d row changes of %d reports), %d events\n",
			BenchAttendees, reports, ClassPaceWindow, pct(50), pct(99), lags[len(lags)-1], len(lags), reports, events)
	}
}

// classPace runs one window and returns the stream's lag for every row
// change it showed, the events it sent, and the reports made.
func classPace(b *testing.B) ([]time.Duration, int, int) {
	board, fh, _ := newTestBoard(b)
	fh.mu.Lock()
	for i := range BenchAttendees {
		name := fmt.Sprintf("att%03d", i)
		fh.tokens[name+"-token"] = Identity{Kind: "user", Name: name}
	}
	fh.mu.Unlock()
	host, status := loginTB(b, board.URL, "host-token")
	if status != http.StatusOK {
		b.Fatalf("host login: %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ClassPaceWindow+10*time.Second)
	defer cancel()

	// lags are, for each row change the stream showed, the time from the
	// board taking the report (the row's LastCell) to the event's arrival.
	var mu sync.Mutex
	var lags []time.Duration
	events := 0
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, board.URL+"/services/board/events", nil)
	resp, err := host.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		last := map[string]int64{}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			now := time.Now()
			var snap Snapshot
			if json.Unmarshal([]byte(data), &snap) != nil {
				continue
			}
			mu.Lock()
			events++
			for _, r := range snap.Rows {
				if r.LastCell != last[r.Name] && r.LastCell != 0 {
					// The row changed: its last report, which the board
					// took at LastCell, is shown now.
					last[r.Name] = r.LastCell
					lags = append(lags, max(now.Sub(time.UnixMilli(r.LastCell)), 0))
				}
			}
			mu.Unlock()
		}
	}()

	reports := 0
	var wg sync.WaitGroup
	end := time.Now().Add(ClassPaceWindow)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: BenchAttendees}}
	for i := range BenchAttendees {
		name := fmt.Sprintf("att%03d", i)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for {
				pause := time.Duration(rng.ExpFloat64() * float64(CellEvery))
				if time.Now().Add(pause).After(end) {
					return
				}
				time.Sleep(pause)
				body := `{"kind":"cell","notebook":"workshop/notebooks/01_snippets_from_the_slides.ipynb"}`
				if rng.Float64() < float64(CellEvery)/float64(TestEvery) {
					body = fmt.Sprintf(`{"kind":"test","notebook":"0%d_x.ipynb","passed":%v}`, rng.IntN(8), rng.IntN(2) == 0)
				}
				req, _ := http.NewRequest(http.MethodPost, board.URL+"/services/board/report", strings.NewReader(body))
				req.Header.Set("Authorization", "token "+name+"-token")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				reports++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	time.Sleep(StreamTick + time.Second) // the last reports reach the stream
	cancel()
	<-streamDone
	mu.Lock()
	defer mu.Unlock()
	return lags, events, reports
}
