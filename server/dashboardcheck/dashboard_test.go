// Package dashboardcheck checks the server's live dashboard in a real
// browser: headless Chromium opens /dashboard on an in-process server while
// 100 requests hit the video gate at once, and the page must show the queue
// as it happens, return to zero afterwards, log no errors, and work behind a
// path prefix as under JupyterHub, with a card per endpoint in the order and
// with the routes of the endpoint table. With three named clients sending
// 100 requests each, the video card must show each name with its numbers as
// GET /stats has them; and a page opened after the burst has ended must draw
// it from the server's history. Screenshots go to artifacts/dashboard/.
//
// What the page shows is compared with what the server's own GET /stats
// says, and the one-second promise is measured from the moment /stats shows
// the whole burst in the gate: on a busy machine the burst's requests take a
// while to reach the server, and the queue's first state (ninety waiting)
// lasts only until the first ten are answered, 200 ms after they arrived;
// the stream samples the gates at most every StreamMinInterval, so the page
// may show the next state (eighty waiting, ten served) instead. Both are the
// truth; the page must show one of them, with the queue's peak, promptly.
//
// It is skipped with -short. Otherwise it needs Chromium (see package
// internal/chromium) and fails saying how to install it.
//
//	go test ./server/dashboardcheck -v
package dashboardcheck

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/internal/chromium"
	"github.com/go-async-workshop/workshop/internal/endpoints"
	"github.com/go-async-workshop/workshop/server/gate"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

// What the check does, and its bounds.
const (
	Burst = 100 // requests sent at once to the video gate
	// ShowWithin: the page shows the queue this soon after the server has
	// it. The stream sends at least four snapshots a second while the gate
	// is busy, so a quiet machine shows it within a quarter of a second; the
	// bound leaves a busy machine's browser seconds to paint, and is still
	// well inside the burst, whose queue lasts about ten seconds.
	ShowWithin    = 5 * time.Second
	SettleTimeout = 2 * time.Minute // the burst is served and the page shows zero again
	PageTimeout   = 2 * time.Minute
	StatsPoll     = 2 * time.Millisecond       // how often the check asks GET /stats while the burst arrives
	ProxyPrefix   = "/user/learner/proxy/8000" // how jupyter-server-proxy serves it under JupyterHub

	ProjectorWidth, ProjectorHeight = 1280, 800
	SidePanelWidth, SidePanelHeight = 420, 900
)

// seen is one change of the video card's numbers, as the page showed it.
type seen struct {
	T           int64  `json:"t"` // Unix milliseconds
	InFlight    string `json:"inFlight"`
	Waiting     string `json:"waiting"`
	Served      string `json:"served"`
	PeakWaiting string `json:"peakWaiting"`
}

// at is when the page showed it.
func (s seen) at() time.Time { return time.UnixMilli(s.T) }

// String is how the failure messages show it.
func (s seen) String() string {
	return fmt.Sprintf("%s: %s in flight, %s waiting, %s served, peak %s", s.at().Format("15:04:05.000"), s.InFlight, s.Waiting, s.Served, s.PeakWaiting)
}

// number reads one of the card's counters; -1 if it is not a number.
func number(text string) int {
	n, err := strconv.Atoi(text)
	if err != nil {
		return -1
	}
	return n
}

// watchJS records every change of the video card's numbers, with the time,
// in window.seenVideo.
const watchJS = `() => {
	const card = document.querySelector('[data-gate="video"]');
	if (!card) throw new Error('no video card on the page');
	const field = (name) => card.querySelector('[data-field="' + name + '"]');
	const inFlight = field('in_flight'), waiting = field('waiting'), served = field('served'), peak = field('peak_waiting');
	window.seenVideo = [];
	const record = () => window.seenVideo.push({t: Date.now(), inFlight: inFlight.textContent, waiting: waiting.textContent,
		served: served.textContent, peakWaiting: peak.textContent});
	record();
	new MutationObserver(record).observe(card, {subtree: true, childList: true, characterData: true});
}`

// redrawnJS resolves once the page has taken its next snapshot and painted
// it (two animation frames: the charts draw in the first).
const redrawnJS = `() => new Promise((resolve) => {
	const card = document.querySelector('[data-gate="video"]');
	const done = new MutationObserver(() => {
		done.disconnect();
		requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
	});
	done.observe(card, {subtree: true, childList: true, characterData: true});
})`

func TestDashboardShowsTheBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium; skipped in -short")
	}
	artifacts := artifactsDir(t)
	srv := servertest.Start(t, mockserver.DefaultConfig()) // the workshop's latencies
	ids := videoIDs(t, srv.URL, Burst)

	browser := chromium.Start(t, chromium.Options{Width: ProjectorWidth, Height: ProjectorHeight})
	page := browser.Page(t)
	console := chromium.WatchConsole(page)
	openDashboard(t, page, srv.URL+"/dashboard")
	if _, err := page.Eval(watchJS); err != nil {
		t.Fatalf("watching the video card: %v", err)
	}

	conns := dialAll(t, srv.URL, Burst)
	stats := &http.Client{}
	defer stats.CloseIdleConnections()
	fired := time.Now()
	answers := burst(conns, ids)

	// The server has the whole burst: ten requests hold the slots, the rest
	// wait (or, on a slow machine, some are answered already). Within a
	// second of that the page shows it: ten in flight, the other ninety
	// waiting or served, and the queue's peak as the server has it, which
	// is ninety whenever the burst arrived before the first ten were
	// answered.
	all, allAt := pollVideoStats(t, stats, srv.URL, "the whole burst", func(v gate.Stats) bool {
		return v.InFlight+v.Waiting+v.Served == Burst
	})
	t.Logf("%v after firing, GET /stats showed the whole burst: %d in flight, %d waiting, %d served, peak %d waiting",
		allAt.Sub(fired).Round(time.Millisecond), all.InFlight, all.Waiting, all.Served, all.PeakWaiting)
	inFlight := fmt.Sprintf("%d / %d", mockserver.VideoCapacity, mockserver.VideoCapacity)
	shown, changes := waitSeen(t, page, allAt.Add(ShowWithin), func(s seen) bool {
		w, served := number(s.Waiting), number(s.Served)
		return s.InFlight == inFlight && w >= 0 && served >= 0 && w+served == Burst-mockserver.VideoCapacity &&
			number(s.PeakWaiting) == all.PeakWaiting
	})
	if shown == nil {
		t.Errorf("within %v of GET /stats showing the whole burst (%d in flight, %d waiting, %d served, peak %d), the page never showed %s in flight with the other %d waiting or served and that peak; it showed:\n%s",
			ShowWithin, all.InFlight, all.Waiting, all.Served, all.PeakWaiting, inFlight, Burst-mockserver.VideoCapacity, seenList(changes))
	} else {
		t.Logf("%v later the page showed %s in flight, %s waiting, %s served, peak %s",
			shown.at().Sub(allAt).Round(time.Millisecond), shown.InFlight, shown.Waiting, shown.Served, shown.PeakWaiting)
	}

	// Mid-burst, half of it served: the picture a host projects.
	if half, changes := waitSeen(t, page, time.Now().Add(SettleTimeout), func(s seen) bool { return number(s.Served) >= Burst/2 }); half == nil {
		t.Errorf("the page never showed half the burst served; it showed:\n%s", seenList(changes))
	}
	shot(t, page, filepath.Join(artifacts, "dashboard.png"))

	for i := range Burst {
		if err := <-answers; err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	t.Logf("%d requests served %v after the burst", Burst, time.Since(fired).Round(time.Millisecond))

	// Afterwards the page returns to zero.
	waitText(t, page, `[data-gate="video"] [data-field="in_flight"]`, fmt.Sprintf("0 / %d", mockserver.VideoCapacity))
	waitText(t, page, `[data-gate="video"] [data-field="waiting"]`, "0")
	waitText(t, page, `[data-gate="video"] [data-field="served"]`, fmt.Sprint(Burst))
	waitText(t, page, `[data-gate="video"] [data-field="peak_waiting"]`, fmt.Sprint(all.PeakWaiting))

	// It fits a JupyterLab side panel.
	if err := page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: SidePanelWidth, Height: SidePanelHeight, DeviceScaleFactor: 1}); err != nil {
		t.Fatal(err)
	}
	if res, err := page.Eval(`() => document.documentElement.scrollWidth`); err != nil || res.Value.Int() > SidePanelWidth {
		t.Errorf("at %d px wide the page scrolls sideways (content %v px wide, %v)", SidePanelWidth, res.Value, err)
	}
	if _, err := page.Timeout(PageTimeout).Eval(redrawnJS); err != nil {
		t.Fatalf("waiting for the page to redraw at %d px: %v", SidePanelWidth, err)
	}
	shot(t, page, filepath.Join(artifacts, "dashboard-side-panel.png"))

	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestDashboardBehindAPathPrefix opens the dashboard through a reverse proxy
// that serves it under a path prefix, as jupyter-server-proxy does under
// JupyterHub: the stream must connect and the reset button must reach the
// server, so every URL of the page has to be relative.
func TestDashboardBehindAPathPrefix(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium; skipped in -short")
	}
	cfg := mockserver.DefaultConfig()
	cfg.LatencyScale = 0
	srv := servertest.Start(t, cfg)
	target, _ := url.Parse(srv.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1 // pass events on at once
	var mu sync.Mutex
	var paths []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		rest, ok := strings.CutPrefix(r.URL.Path, ProxyPrefix)
		if !ok {
			http.Error(w, "outside the proxy's prefix: "+r.URL.Path, http.StatusNotFound)
			return
		}
		r.URL.Path = rest
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	defer proxy.CloseClientConnections()
	for _, id := range videoIDs(t, srv.URL, 3) {
		resp, err := http.Get(srv.URL + "/videos/" + id)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	touchEveryEndpoint(t, srv.URL) // every card shows

	browser := chromium.Start(t, chromium.Options{Width: SidePanelWidth, Height: SidePanelHeight})
	page := browser.Page(t)
	console := chromium.WatchConsole(page)
	openDashboard(t, page, proxy.URL+ProxyPrefix+"/dashboard")
	waitText(t, page, `[data-gate="video"] [data-field="served"]`, "4")
	checkCardsFollowTheTable(t, page)
	el, err := page.Timeout(PageTimeout).Element("#reset")
	if err != nil {
		t.Fatal(err)
	}
	if err := el.Click(proto.InputMouseButtonLeft, 1); err != nil {
		t.Fatal(err)
	}
	waitText(t, page, `[data-gate="video"] [data-field="served"]`, "0")
	docs, err := page.Element(`a[href="docs"]`)
	if err != nil {
		t.Fatal(err)
	}
	if href, err := docs.Property("href"); err != nil || href.String() != proxy.URL+ProxyPrefix+"/docs" {
		t.Errorf("the docs link leads to %v (%v), want %s", href, err, proxy.URL+ProxyPrefix+"/docs")
	}
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(errs, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		if !strings.Contains(p, ProxyPrefix+"/") {
			t.Errorf("the page asked for %s, outside the prefix", p)
		}
	}
	t.Logf("requests through the proxy: %q", paths)
}

// openDashboard loads the page and waits until its stream is live.
func openDashboard(t *testing.T, page *rod.Page, u string) {
	t.Helper()
	if err := page.Timeout(PageTimeout).Navigate(u); err != nil {
		t.Fatalf("opening %s: %v", u, err)
	}
	waitText(t, page, "#status", "live")
	waitText(t, page, `[data-gate="video"] [data-field="in_flight"]`, fmt.Sprintf("0 / %d", mockserver.VideoCapacity))
}

// waitText waits until the element's text is want.
func waitText(t *testing.T, page *rod.Page, selector, want string) {
	t.Helper()
	deadline := time.Now().Add(SettleTimeout)
	got := ""
	for time.Now().Before(deadline) {
		if el, err := page.Timeout(time.Second).Element(selector); err == nil {
			if got, err = el.Text(); err == nil && got == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s shows %q, want %q (waited %v)", selector, got, want, SettleTimeout)
}

// pollVideoStats asks the server's GET /stats every StatsPoll until the
// video gate's counters satisfy cond, and returns them with the moment their
// answer arrived.
func pollVideoStats(t *testing.T, client *http.Client, base, what string, cond func(gate.Stats) bool) (gate.Stats, time.Time) {
	t.Helper()
	deadline := time.Now().Add(SettleTimeout)
	tick := time.NewTicker(StatsPoll)
	defer tick.Stop()
	for {
		resp, err := client.Get(base + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		var st map[string]gate.Stats
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		at := time.Now()
		if err != nil {
			t.Fatalf("GET /stats: %v", err)
		}
		v := st[endpoints.Video]
		if cond(v) {
			return v, at
		}
		if at.After(deadline) {
			t.Fatalf("GET /stats never showed %s within %v; last: %+v", what, SettleTimeout, v)
		}
		<-tick.C
	}
}

// waitSeen polls the page's record of the video card until a change made
// no later than until satisfies cond, and returns it with all the changes;
// it returns nil with the changes once until has passed without one.
func waitSeen(t *testing.T, page *rod.Page, until time.Time, cond func(seen) bool) (*seen, []seen) {
	t.Helper()
	for {
		past := time.Now().After(until) // judged on the changes fetched after it
		changes := seenChanges(t, page)
		for i, s := range changes {
			if !s.at().After(until) && cond(s) {
				return &changes[i], changes
			}
		}
		if past {
			return nil, changes
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// seenList shows changes one a line.
func seenList(changes []seen) string {
	lines := make([]string, len(changes))
	for i, s := range changes {
		lines[i] = "  " + s.String()
	}
	return strings.Join(lines, "\n")
}

func seenChanges(t *testing.T, page *rod.Page) []seen {
	t.Helper()
	res, err := page.Eval(`() => window.seenVideo`)
	if err != nil {
		t.Fatal(err)
	}
	var out []seen
	if err := json.Unmarshal([]byte(res.Value.JSON("", "")), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// dialAll opens n connections first, so that the burst's requests reach the
// server at once rather than as connections get made.
func dialAll(t *testing.T, base string, n int) []net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		t.Cleanup(func() { c.Close() })
	}
	return conns
}

// burst sends GET /videos/{id} on every connection at once; each answer's
// error (nil for a 200) arrives on the channel.
func burst(conns []net.Conn, ids []string) <-chan error { return send(conns, ids, "") }

// send is burst with extra header lines (each ending in CRLF).
func send(conns []net.Conn, ids []string, header string) <-chan error {
	answers := make(chan error, len(conns))
	start := make(chan struct{})
	for i, c := range conns {
		go func() {
			<-start
			_ = c.SetDeadline(time.Now().Add(SettleTimeout))
			if _, err := fmt.Fprintf(c, "GET /videos/%s HTTP/1.1\r\nHost: dashboardcheck\r\n%sConnection: close\r\n\r\n", ids[i], header); err != nil {
				answers <- err
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %s", resp.Status)
				}
			}
			answers <- err
		}()
	}
	close(start)
	return answers
}

func videoIDs(t *testing.T, base string, n int) []string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/videos?n=%d", base, n))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ids []string
	if err := json.NewDecoder(resp.Body).Decode(&ids); err != nil || len(ids) != n {
		t.Fatalf("listing %d ids: %v", n, err)
	}
	return ids
}

// artifactsDir returns artifacts/dashboard/ in the repository root.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "artifacts", "dashboard"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func shot(t *testing.T, page *rod.Page, path string) {
	t.Helper()
	png, err := page.Screenshot(true, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot: %s", path)
}
