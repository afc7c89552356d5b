package mockserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// Run longer by hand, e.g.:
//
//	go test -run '^$' -fuzz FuzzParseWarnings -fuzztime 30s ./server/mockserver

var patchSeeds = []string{
	`{"warnings":["mentions NASA"]}`, `{"warnings":[]}`, `{"warnings":null}`, `{}`, `[]`, `null`, `""`,
	`{"warnings":["a","b"],"x":1}`, `{"Warnings":["a"]}`, `{"warnings":[1]}`, `{"warnings":"a"}`,
	`{"warnings":[""]}`, `{"warnings":["\u00e9\ud83d\ude00"]}`, `{"warnings":["a"]} x`, `{"warnings": [`,
	`{"warnings":["a"],"warnings":["b"]}`, "\xff\xfe", ``,
}

// checkPatchError fails unless err is a client error of the kinds PATCH may give.
func checkPatchError(t *testing.T, body []byte, err error) {
	var fe *fiber.Error
	if !errors.As(err, &fe) {
		t.Fatalf("body %q: error %v is not a *fiber.Error", body, err)
	}
	switch fe.Code {
	case fiber.StatusBadRequest, fiber.StatusRequestEntityTooLarge, fiber.StatusUnprocessableEntity:
	default:
		t.Fatalf("body %q: status %d", body, fe.Code)
	}
	if fe.Message == "" {
		t.Fatalf("body %q: empty detail", body)
	}
}

func FuzzParseWarnings(f *testing.F) {
	for _, s := range patchSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		warnings, err := parseWarnings(body)
		if err != nil {
			checkPatchError(t, body, err)
			return
		}
		// Accepted: within the limits, and exactly what the body says.
		if len(warnings) > maxWarnings {
			t.Fatalf("accepted %d warnings", len(warnings))
		}
		for _, w := range warnings {
			if n := utf8.RuneCountInString(w); n < 1 || n > maxWarningLength {
				t.Fatalf("accepted a warning of %d characters", n)
			}
		}
		var back struct {
			Warnings []string `json:"warnings"`
		}
		if err := json.Unmarshal(body, &back); err != nil || len(back.Warnings) != len(warnings) {
			t.Fatalf("accepted %q as %q, but it decodes as %q (%v)", body, warnings, back.Warnings, err)
		}
	})
}

// FuzzPatchRequest sends arbitrary bodies through the whole app: never a 500,
// and the video changes only when the answer is 200.
func FuzzPatchRequest(f *testing.F) {
	for _, s := range patchSeeds {
		f.Add([]byte(s))
	}
	s := newTestServer(f)
	id := s.db.IDs(1)[0]
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxBodyBytes {
			t.Skip("app.Test cannot send bodies over the limit; TestOversizedBody covers them")
		}
		s.db.SetWarnings(id, []string{"before"})
		code, _, b := do(t, s, http.MethodPatch, "/videos/"+id, string(body))
		v, _ := s.db.Video(id)
		switch code {
		case http.StatusOK:
			want, err := parseWarnings(body)
			if err != nil || strings.Join(v.Warnings, "\x00") != strings.Join(want, "\x00") {
				t.Fatalf("200 for %q but stored %q", body, v.Warnings)
			}
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			if len(v.Warnings) != 1 || v.Warnings[0] != "before" {
				t.Fatalf("%d for %q but warnings changed to %q", code, body, v.Warnings)
			}
			var e struct{ Detail string }
			if json.Unmarshal(b, &e) != nil || e.Detail == "" {
				t.Fatalf("%d without a JSON detail: %s", code, b)
			}
		default:
			t.Fatalf("PATCH %q: status %d (%s)", body, code, b)
		}
	})
}

// maxFuzzQuery keeps fuzzed URLs inside fasthttp's header buffer.
const maxFuzzQuery = 1000

// FuzzListQuery sends arbitrary n values: 200 with n ids, or 422.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{"", "1", "100", "200", "201", "0", "-1", "abc", "1e2", "0x10", " 5", "5 ", "+5", "99999999999999999999", "½"} {
		f.Add(q)
	}
	s := newTestServer(f)
	f.Fuzz(func(t *testing.T, q string) {
		if len(q) > maxFuzzQuery {
			t.Skip("longer URLs overflow the header buffer (431), which app.Test reports as an error")
		}
		code, _, b := do(t, s, http.MethodGet, "/videos?n="+url.QueryEscape(q), "")
		switch code {
		case http.StatusOK:
			var ids []string
			if err := json.Unmarshal(b, &ids); err != nil {
				t.Fatalf("n=%q: %v", q, err)
			}
			n, err := strconv.Atoi(q)
			if q == "" {
				n, err = defaultListSize, nil
			}
			if err != nil || len(ids) != n {
				t.Fatalf("n=%q gave %d ids", q, len(ids))
			}
		case http.StatusUnprocessableEntity:
			if n, err := strconv.Atoi(q); err == nil && n >= 1 && n <= s.db.Len() {
				t.Fatalf("n=%q rejected", q)
			}
		default:
			t.Fatalf("n=%q: status %d (%s)", q, code, b)
		}
	})
}
