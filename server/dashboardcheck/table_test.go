package dashboardcheck

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/go-rod/rod"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// touchEveryEndpoint sends one good request to every endpoint of the table,
// so that every card shows.
func touchEveryEndpoint(t *testing.T, base string) {
	t.Helper()
	id := videoIDs(t, base, 1)[0]
	for _, e := range endpoints.All() {
		path := strings.NewReplacer("{id}", id, "{z}", "1", "{x}", "0", "{y}", "1").Replace(e.Route)
		body := ""
		switch e.Name {
		case endpoints.Posts:
			path = "/posts/1"
		case endpoints.Weather:
			path += "?lat=52.5&lon=13.4"
		case endpoints.Patch:
			body = `{"warnings":[]}`
		}
		req, _ := http.NewRequest(e.Method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %s", e.Method, path, resp.Status)
		}
	}
}

// checkCardsFollowTheTable waits until the page shows a card for every
// endpoint, and checks they come in the table's order with its routes.
func checkCardsFollowTheTable(t *testing.T, page *rod.Page) {
	t.Helper()
	all := endpoints.All()
	var want []string
	for _, e := range all {
		want = append(want, fmt.Sprintf("%s: %s %s", e.Name, e.Method, e.Route))
	}
	var got []string
	err := rod.Try(func() {
		page.Timeout(PageTimeout).MustWait(fmt.Sprintf(`() => document.querySelectorAll("#gates .gate").length === %d`, len(all)))
		res := page.MustEval(`() => [...document.querySelectorAll("#gates .gate")].map((c) => c.dataset.gate + ": " + c.querySelector(".kind").textContent)`)
		for _, v := range res.Arr() {
			got = append(got, v.String())
		}
	})
	if err != nil {
		t.Fatalf("waiting for a card per endpoint: %v", err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the page's cards:\n  %s\nthe endpoint table:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
