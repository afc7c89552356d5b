package dashboardcheck

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"

	"github.com/go-async-workshop/workshop/internal/chromium"
	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/server/gate"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

// The room: attendees sharing one server, each sending a burst at once.
var attendees = []string{"ana", "ben", "cleo"}

// roomScale makes the video gate's first hold a second, so the three
// bursts arrive whole before it ends, and the next rounds 6 s long, so
// the page and GET /stats agree for a while.
const roomScale = 5

// roomStats is the video gate's part of GET /stats, clients included.
type roomStats struct {
	gate.Stats
	Clients map[string]gate.Stats `json:"clients"`
}

// TestDashboardShowsTheRoom: three named clients send 100 requests each at
// once; the video card shows each name with its requests in flight and
// waiting as GET /stats has them. After a reset has emptied the queue and
// the gate is idle, a page opened then still draws the burst: it starts
// with the server's last minute.
func TestDashboardShowsTheRoom(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium; skipped in -short")
	}
	artifacts := artifactsDir(t)
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = roomScale
	srv := servertest.Start(t, cfg)
	t.Cleanup(func() { reset(t, srv.URL) }) // no queue for the shutdown to wait for
	ids := videoIDs(t, srv.URL, Burst)
	var answers []<-chan error
	for _, name := range attendees {
		answers = append(answers, burstAs(dialAll(t, srv.URL, Burst), ids, name))
	}
	room := waitRoom(t, srv.URL, len(attendees)*Burst)
	t.Logf("GET /stats: %d in flight, %d waiting (peak %d); clients %+v", room.InFlight, room.Waiting, room.PeakWaiting, room.Clients)

	browser := chromium.Start(t, chromium.Options{Width: ProjectorWidth, Height: ProjectorHeight})
	page := browser.Page(t)
	console := chromium.WatchConsole(page)
	openBusyDashboard(t, page, srv.URL+"/dashboard")
	shown := waitClientRows(t, page, srv.URL)
	t.Logf("the page shows %q", shown)
	shot(t, page, filepath.Join(artifacts, "dashboard-room.png"))

	// Reset: the queue is turned away; once the slots are free the gate is
	// idle, and a page opened now draws the burst from the history.
	reset(t, srv.URL)
	idle := pollRoom(t, srv.URL, "the gate idle", func(s roomStats) bool { return s.InFlight == 0 && s.Waiting == 0 })
	for _, ch := range answers {
		for range Burst {
			<-ch // 200 or 503: turned away by the reset
		}
	}
	history := historyPeak(t, srv.URL)
	openDashboard(t, page, srv.URL+"/dashboard") // waits for the idle gate
	drawn, area := chartOfTheBurst(t, page)
	if drawn != history || history != room.PeakWaiting {
		t.Errorf("the load chart of a page opened after the burst shows a peak of %d waiting; the server's history %d, GET /stats's peak %d: want all three the same", drawn, history, room.PeakWaiting)
	}
	if area < minWaitingArea {
		t.Errorf("the load chart has %.2f%% of its pixels in the waiting colour, want at least %.2f%%: the burst is not drawn", 100*area, 100*minWaitingArea)
	}
	if idle.Waiting != 0 || textOf(t, page, `[data-gate="video"] [data-field="waiting"]`) != "0" {
		t.Errorf("after the reset the page shows %q waiting", textOf(t, page, `[data-gate="video"] [data-field="waiting"]`))
	}
	shot(t, page, filepath.Join(artifacts, "dashboard-history.png"))
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// minWaitingArea is the least share of the load chart's pixels that a
// burst of 290 waiting for a few seconds fills with the waiting colour.
const minWaitingArea = 0.002

// openBusyDashboard loads the page and waits until its stream is live and
// it has shown a snapshot, whatever the gates hold.
func openBusyDashboard(t *testing.T, page *rod.Page, u string) {
	t.Helper()
	if err := page.Timeout(PageTimeout).Navigate(u); err != nil {
		t.Fatalf("opening %s: %v", u, err)
	}
	waitText(t, page, "#status", "live")
	if err := rod.Try(func() {
		page.Timeout(PageTimeout).MustWait(`() => document.querySelector('[data-gate="video"] [data-field="in_flight"]').textContent.includes(" / ")`)
	}); err != nil {
		t.Fatalf("the page showed no snapshot: %v", err)
	}
}

// burstAs is burst for the named client.
func burstAs(conns []net.Conn, ids []string, name string) <-chan error {
	return send(conns, ids, endpoints.ClientHeader+": "+name+"\r\n")
}

// reset sends POST /stats/reset without a name: every queue is emptied.
func reset(t *testing.T, base string) {
	resp, err := http.Post(base+"/stats/reset", "", nil)
	if err != nil {
		t.Error(err)
		return
	}
	resp.Body.Close()
}

// pollRoom asks GET /stats until the video gate satisfies cond.
func pollRoom(t *testing.T, base, what string, cond func(roomStats) bool) roomStats {
	t.Helper()
	deadline := time.Now().Add(SettleTimeout)
	for {
		resp, err := http.Get(base + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		var st map[string]roomStats
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("GET /stats: %v", err)
		}
		if v := st[endpoints.Video]; cond(v) {
			return v
		} else if time.Now().After(deadline) {
			t.Fatalf("GET /stats never showed %s within %v; last: %+v", what, SettleTimeout, v)
		}
		time.Sleep(StatsPoll)
	}
}

// waitRoom waits until the gate holds all n requests, none answered yet.
func waitRoom(t *testing.T, base string, n int) roomStats {
	t.Helper()
	v := pollRoom(t, base, "every request of the room", func(s roomStats) bool { return s.InFlight+s.Waiting+s.Served == n })
	if v.Served > 0 {
		t.Fatalf("the gate answered %d requests before the room's %d had arrived: this machine took longer than a hold of %v", v.Served, n, mockserver.VideoMinDelay*roomScale)
	}
	return v
}

// clientRowsJS reads the video card's rows: name and numbers.
const clientRowsJS = `() => [...document.querySelectorAll('[data-gate="video"] .clients li[data-client]')]
	.map((li) => li.dataset.client + ": " + li.querySelector(".nums").textContent)`

// waitClientRows waits until the video card shows a row per attendee with
// the numbers GET /stats has for them, and returns the rows.
func waitClientRows(t *testing.T, page *rod.Page, base string) []string {
	t.Helper()
	deadline := time.Now().Add(SettleTimeout)
	var shown, want []string
	for time.Now().Before(deadline) {
		st := pollRoom(t, base, "the room", func(roomStats) bool { return true })
		want = want[:0]
		for _, name := range attendees {
			c := st.Clients[name]
			want = append(want, fmt.Sprintf("%s: %d + %d; peak %d; %d served", name, c.InFlight, c.Waiting, c.PeakWaiting, c.Served))
		}
		res, err := page.Eval(clientRowsJS)
		if err != nil {
			t.Fatal(err)
		}
		shown = shown[:0]
		for _, v := range res.Value.Arr() {
			shown = append(shown, v.String())
		}
		if slices.Equal(shown, want) {
			return shown
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the video card never showed the room as GET /stats has it:\n  page:  %q\n  stats: %q", shown, want)
	return nil
}

// historyPeak returns the most requests waiting at the video gate in the
// server's history, as GET /stats/stream?history=1 starts with it.
func historyPeak(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/stats/stream?history=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var points []struct {
			Gates map[string]gate.Stats `json:"gates"`
		}
		if err := json.Unmarshal([]byte(data), &points); err != nil {
			t.Fatalf("the stream's first data is not the history: %q: %v", data, err)
		}
		most := 0
		for _, p := range points {
			most = max(most, p.Gates[endpoints.Video].Waiting)
		}
		return most
	}
}

// chartOfTheBurstJS waits until the video card's load chart has been
// drawn, and returns the peak it shows and the share of its pixels in the
// waiting colour (orange, light, over white).
const chartOfTheBurstJS = `() => new Promise((resolve) => {
	const canvas = document.querySelector('[data-gate="video"] canvas.load');
	const look = () => {
		if (canvas.dataset.peakWaiting === undefined) return requestAnimationFrame(look);
		const {data, width, height} = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
		let orange = 0;
		for (let i = 0; i < data.length; i += 4) {
			if (data[i] > 200 && data[i + 1] > 150 && data[i + 1] < 235 && data[i + 2] < 190) orange++;
		}
		resolve({peak: Number(canvas.dataset.peakWaiting), area: orange / (width * height)});
	};
	look();
})`

// chartOfTheBurst returns what the video card's load chart shows.
func chartOfTheBurst(t *testing.T, page *rod.Page) (peak int, area float64) {
	t.Helper()
	res, err := page.Timeout(PageTimeout).Eval(chartOfTheBurstJS)
	if err != nil {
		t.Fatalf("reading the load chart: %v", err)
	}
	return res.Value.Get("peak").Int(), res.Value.Get("area").Num()
}

// textOf returns the text of the element.
func textOf(t *testing.T, page *rod.Page, selector string) string {
	t.Helper()
	el, err := page.Timeout(PageTimeout).Element(selector)
	if err != nil {
		t.Fatal(err)
	}
	s, err := el.Text()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
