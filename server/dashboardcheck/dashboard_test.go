// Package dashboardcheck checks the server's live dashboard in a real
// browser: headless Chromium opens /dashboard on an in-process server while
// 100 requests hit the video gate at once, and the page must show the queue
// as it happens, return to zero afterwards, log no errors, and work behind a
// path prefix as under JupyterHub. Screenshots go to artifacts/dashboard/.
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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/internal/chromium"
	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/server/servertest"
)

// What the check does, and its bounds.
const (
	Burst         = 100                                  // requests sent at once to the video gate
	ShowWithin    = time.Second                          // the page shows the queue this soon after the burst
	MinWaiting    = Burst - mockserver.VideoCapacity - 5 // "about 90 waiting"
	SettleTimeout = 30 * time.Second                     // the burst is served and the page shows zero again
	PageTimeout   = 30 * time.Second
	ProxyPrefix   = "/user/learner/proxy/8000" // how jupyter-server-proxy serves it under JupyterHub

	ProjectorWidth, ProjectorHeight = 1280, 800
	SidePanelWidth, SidePanelHeight = 420, 900
)

// seen is one change of the video card's numbers, as the page showed it.
type seen struct {
	T        int64  `json:"t"` // Unix milliseconds
	InFlight string `json:"inFlight"`
	Waiting  string `json:"waiting"`
}

// watchJS records every change of the video card's "in flight" and
// "waiting" numbers, with the time, in window.seenVideo.
const watchJS = `() => {
	const card = document.querySelector('[data-gate="video"]');
	if (!card) throw new Error('no video card on the page');
	const inFlight = card.querySelector('[data-field="in_flight"]');
	const waiting = card.querySelector('[data-field="waiting"]');
	window.seenVideo = [];
	const record = () => window.seenVideo.push({t: Date.now(), inFlight: inFlight.textContent, waiting: waiting.textContent});
	record();
	new MutationObserver(record).observe(card, {subtree: true, childList: true, characterData: true});
}`

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
	fired := time.Now()
	answers := burst(conns, ids)

	// Within a second the page shows ten in flight and about ninety waiting.
	time.Sleep(ShowWithin)
	changes := seenChanges(t, page)
	var shown *seen
	for i, s := range changes {
		at := time.UnixMilli(s.T)
		if at.Before(fired.Add(-50*time.Millisecond)) || at.After(fired.Add(ShowWithin)) {
			continue
		}
		var waiting int
		fmt.Sscan(s.Waiting, &waiting)
		if s.InFlight == fmt.Sprintf("%d / %d", mockserver.VideoCapacity, mockserver.VideoCapacity) && waiting >= MinWaiting && waiting <= Burst-mockserver.VideoCapacity {
			shown = &changes[i]
			break
		}
	}
	if shown == nil {
		t.Errorf("within %v of the burst the page never showed %d in flight and about %d waiting; it showed %v",
			ShowWithin, mockserver.VideoCapacity, Burst-mockserver.VideoCapacity, changes)
	} else {
		t.Logf("%v after the burst the page showed %s in flight and %s waiting", time.UnixMilli(shown.T).Sub(fired).Round(time.Millisecond), shown.InFlight, shown.Waiting)
	}

	// Mid-burst: the picture a host projects.
	time.Sleep(4 * time.Second)
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
	waitText(t, page, `[data-gate="video"] [data-field="peak_waiting"]`, fmt.Sprint(Burst-mockserver.VideoCapacity))

	// It fits a JupyterLab side panel.
	if err := page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: SidePanelWidth, Height: SidePanelHeight, DeviceScaleFactor: 1}); err != nil {
		t.Fatal(err)
	}
	if res, err := page.Eval(`() => document.documentElement.scrollWidth`); err != nil || res.Value.Int() > SidePanelWidth {
		t.Errorf("at %d px wide the page scrolls sideways (content %v px wide, %v)", SidePanelWidth, res.Value, err)
	}
	time.Sleep(300 * time.Millisecond)
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

	browser := chromium.Start(t, chromium.Options{Width: SidePanelWidth, Height: SidePanelHeight})
	page := browser.Page(t)
	console := chromium.WatchConsole(page)
	openDashboard(t, page, proxy.URL+ProxyPrefix+"/dashboard")
	waitText(t, page, `[data-gate="video"] [data-field="served"]`, "3")
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
func burst(conns []net.Conn, ids []string) <-chan error {
	answers := make(chan error, len(conns))
	start := make(chan struct{})
	for i, c := range conns {
		go func() {
			<-start
			_ = c.SetDeadline(time.Now().Add(SettleTimeout))
			if _, err := fmt.Fprintf(c, "GET /videos/%s HTTP/1.1\r\nHost: dashboardcheck\r\nConnection: close\r\n\r\n", ids[i]); err != nil {
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
