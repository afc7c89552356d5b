package chromium

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// pageTimeout bounds each wait for the page (loading, an element, its
// console errors): generous, for a busy machine's browser.
const pageTimeout = time.Minute

func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	if o.Width != DefaultWidth || o.Height != DefaultHeight || o.StartTimeout != DefaultStartTimeout {
		t.Errorf("defaults = %+v", o)
	}
	o = Options{Width: 400, Height: 300, StartTimeout: time.Second}.withDefaults()
	if o.Width != 400 || o.Height != 300 || o.StartTimeout != time.Second {
		t.Errorf("set values changed: %+v", o)
	}
}

// TestPageAndConsole opens a local page that logs an error and throws, and
// checks that the page has the asked size and both errors are collected.
func TestPageAndConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; skipped in -short")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><p id="size"></p><script>
document.getElementById("size").textContent = innerWidth + "x" + innerHeight;
console.log("fine");
console.error("something broke");
setTimeout(() => { throw new Error("boom") }, 0);
</script>`))
	}))
	defer srv.Close()

	b := Start(t, Options{Width: 420, Height: 700})
	page := b.Page(t)
	console := WatchConsole(page)
	if err := page.Timeout(pageTimeout).Navigate(srv.URL); err != nil {
		t.Fatal(err)
	}
	el, err := page.Timeout(pageTimeout).Element("#size")
	if err != nil {
		t.Fatal(err)
	}
	if got := el.MustText(); got != "420x700" {
		t.Errorf("page size %q, want 420x700", got)
	}
	deadline := time.Now().Add(pageTimeout)
	for len(console.Errors()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	errs := console.Errors()
	if !slices.ContainsFunc(errs, func(s string) bool { return strings.Contains(s, "something broke") }) ||
		!slices.ContainsFunc(errs, func(s string) bool { return strings.Contains(s, "boom") }) {
		t.Errorf("console errors %q, want the console.error and the exception", errs)
	}
	if slices.ContainsFunc(errs, func(s string) bool { return strings.Contains(s, "fine") }) {
		t.Errorf("console errors %q include a plain log", errs)
	}
}
