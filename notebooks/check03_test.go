package notebooks

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

func init() {
	register("03_content_warnings_goroutines_attempt", checkContentWarningsAttempt, computes,
		wrong("time.Sleep instead of select", retryAnswer("retry sleeps through the wait: a cancelled ctx cannot cut it short.",
			`time.Sleep(apiErr.RetryAfter + rand.N(apiErr.RetryAfter/2))`), "wait with select on ctx.Done()"),
		wrong("no jitter", retryAnswer("retry waits exactly Retry-After: every turned-away call comes back at once.",
			`select {
		case <-time.After(apiErr.RetryAfter):
		case <-ctx.Done():
			return ctx.Err()
		}`), "add a random jitter"))
}

// retryAnswer is an answer to 03's exercise that is right but for how it
// waits after a 503.
func retryAnswer(doc, wait string) string {
	return `import (
	"errors"
	"math/rand/v2"
	"net/http"
)

// ` + doc + `
func retry(ctx context.Context, attempts int, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		var apiErr *videoapi.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.RetryAfter <= 0 || attempt >= attempts {
			return err
		}
		` + wait + `
	}
}`
}

// checkContentWarningsAttempt: the heartbeat kept ticking next to more
// models than cores (preemption); one goroutine per video overloaded the
// server (requests queued and slowed), ran many models at once, and still
// saved every video right; against a server that pushes back, the surplus
// was turned away with 503 and those videos were never saved.
func checkContentWarningsAttempt(t *testing.T, nb *ipynb.Notebook) {
	beats := regexp.MustCompile(`(\d+) model\(s\) on (\d+) cores: the heartbeat ticked (\d+) of (\d+) times`).FindAllStringSubmatch(nb.Text(), -1)
	if len(beats) != 2 {
		t.Fatalf("want two heartbeat lines, got %q", beats)
	}
	for _, b := range beats {
		ticks, expected := atoi(t, b[3]), atoi(t, b[4])
		if ticks*4 < expected {
			t.Errorf("%s models on %s cores: the heartbeat ticked only %d of %d times: goroutines were starved", b[1], b[2], ticks, expected)
		}
	}

	at := mustRun(t, nb, "attempt")
	v := at.Server["video"]
	n := v.Served
	if v.PeakInFlight != videoCapacity || v.PeakWaiting < n/3 || v.Degraded < n/3 {
		t.Errorf("attempt: the server's videos %+v, want %d at once and many of %d queued and slowed", v, videoCapacity, n)
	}
	if m, ok := at.Step("model"); !ok || m.AtOnce <= at.Cores {
		t.Errorf("attempt: %d models at once on %d cores, want more models than cores", m.AtOnce, at.Cores)
	}
	if f := at.Values["videos failed"]; f != 0 {
		t.Errorf("attempt: %v videos failed, want none (Go does not freeze)", f)
	}
	requireText(t, nb, fmt.Sprintf("all %d videos carry the right warnings", n))

	strict := mustRun(t, nb, "attempt, server pushing back")
	rejected := strict.Server["video"].Rejected
	if rejected == 0 || float64(rejected) != strict.Values["videos failed"] {
		t.Errorf("pushing back: the server turned away %d, %v videos failed: want the same, more than 0", rejected, strict.Values["videos failed"])
	}
	requireText(t, nb, fmt.Sprintf("%d of %d videos are wrong", rejected, n))
}

// atoi parses a number the check captured.
func atoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return v
}
