package classroom

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// attendee is one person of the class, talking to the hub as a browser does:
// a cookie jar, the sign-up and login forms, the spawn progress stream, then
// their own server's REST API and kernel WebSocket, all through the hub's
// proxy.
type attendee struct {
	Name     string
	Password string // their own, chosen at sign-up
	hub      *hub
	client   *http.Client
}

// newAttendee returns an attendee with a password of their own and an empty
// cookie jar.
func newAttendee(h *hub, name string) *attendee {
	jar, _ := cookiejar.New(nil)
	return &attendee{Name: name, Password: "pw-" + newID()[:16], hub: h,
		client: &http.Client{Jar: jar, Timeout: 60 * time.Second, Transport: h.HTTP.Transport}}
}

// join signs the attendee up with the workshop code and logs them in.
func (a *attendee) join(ctx context.Context) error {
	msg, err := a.signUp(ctx, a.hub.Code)
	if err != nil {
		return err
	}
	if !strings.Contains(msg, "successful") {
		return fmt.Errorf("sign-up of %q refused: %s", a.Name, msg)
	}
	return a.login(ctx, a.Password)
}

// signUpMessage finds the message the sign-up page shows.
var signUpMessage = regexp.MustCompile(`(?s)<p id="signup_result">\s*(.*?)\s*</p>`)

// signUp fills in the hub's sign-up form: name, password twice, and the
// workshop code. It returns the message the page shows.
func (a *attendee) signUp(ctx context.Context, code string) (string, error) {
	page, _, err := a.do(ctx, http.MethodGet, a.hub.URL+"/hub/signup", nil, nil)
	if err != nil {
		return "", fmt.Errorf("opening the sign-up page: %w", err)
	}
	m := xsrfField.FindSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("the sign-up page has no _xsrf field:\n%.500s", page)
	}
	form := url.Values{"_xsrf": {string(m[1])}, "username": {a.Name}, "signup_password": {a.Password},
		"signup_password_confirmation": {a.Password}, "workshop_code": {code}}
	body, _, err := a.do(ctx, http.MethodPost, a.hub.URL+"/hub/signup", strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if err != nil && !errors.Is(err, errStatus) {
		return "", fmt.Errorf("signing up: %w", err)
	}
	if m := signUpMessage.FindSubmatch(body); m != nil {
		return html.UnescapeString(string(m[1])), nil
	}
	return "", fmt.Errorf("the sign-up answer shows no message:\n%.500s", body)
}

// xsrfField finds the login form's hidden _xsrf value.
var xsrfField = regexp.MustCompile(`name="_xsrf"\s+value="([^"]+)"`)

// login fills in the hub's login form with the attendee's name and the
// given password.
func (a *attendee) login(ctx context.Context, password string) error {
	page, _, err := a.do(ctx, http.MethodGet, a.hub.URL+"/hub/login", nil, nil)
	if err != nil {
		return fmt.Errorf("opening the login page: %w", err)
	}
	m := xsrfField.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("the login page has no _xsrf field:\n%.500s", page)
	}
	form := url.Values{"_xsrf": {string(m[1])}, "username": {a.Name}, "password": {password}}
	body, resp, err := a.do(ctx, http.MethodPost, a.hub.URL+"/hub/login", strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if err != nil {
		return fmt.Errorf("logging in: %w", err)
	}
	if strings.HasSuffix(resp.Request.URL.Path, "/hub/login") {
		return fmt.Errorf("login refused for %q (still on the login page):\n%.300s", a.Name, extractError(body))
	}
	return nil
}

// extractError returns the hub's error message on a page, if any.
func extractError(page []byte) string {
	if m := regexp.MustCompile(`(?s)class="login_error">\s*(.*?)\s*<`).FindSubmatch(page); m != nil {
		return string(m[1])
	}
	return string(page)
}

// spawnEvent is one event of the hub's spawn progress stream.
type spawnEvent struct {
	Progress int    `json:"progress"`
	Message  string `json:"message"`
	Ready    bool   `json:"ready"`
	Failed   bool   `json:"failed"`
	URL      string `json:"url"`
}

// spawn starts the attendee's server (the button a browser presses after
// login), follows the progress stream the spawn page shows until the server
// is ready, and opens JupyterLab (which logs the attendee into their own
// server through the hub's OAuth). It returns the time until ready.
func (a *attendee) spawn(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	if _, _, err := a.do(ctx, http.MethodGet, a.hub.URL+"/hub/spawn", nil, nil); err != nil {
		return 0, fmt.Errorf("asking for a server: %w", err)
	}
	xsrf := a.cookie("/hub/", "_xsrf")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		a.hub.URL+"/hub/api/users/"+url.PathEscape(a.Name)+"/server/progress?_xsrf="+url.QueryEscape(xsrf), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "text/event-stream")
	stream := &http.Client{Jar: a.client.Jar, Transport: a.client.Transport} // no timeout: the stream lasts the spawn
	resp, err := stream.Do(req)
	if err != nil {
		return 0, fmt.Errorf("reading the spawn progress: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return 0, fmt.Errorf("spawn progress: %s: %.300s", resp.Status, b)
	}
	var last spawnEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &last); err != nil {
			return 0, fmt.Errorf("spawn progress event %q: %w", data, err)
		}
		if last.Failed {
			return 0, fmt.Errorf("spawn failed: %s", last.Message)
		}
		if last.Ready {
			break
		}
	}
	if !last.Ready {
		return 0, fmt.Errorf("the spawn progress stream ended before the server was ready (last: %+v, %v)", last, sc.Err())
	}
	ready := time.Since(start)
	if _, resp, err := a.do(ctx, http.MethodGet, a.hub.URL+a.serverPath("lab"), nil, nil); err != nil {
		return 0, fmt.Errorf("opening JupyterLab: %w", err)
	} else if !strings.HasPrefix(resp.Request.URL.Path, a.serverPath("lab")) {
		return 0, fmt.Errorf("opening JupyterLab ended at %s", resp.Request.URL)
	}
	return ready, nil
}

// serverPath is the path of the attendee's own server behind the hub.
func (a *attendee) serverPath(p string) string {
	return "/user/" + url.PathEscape(a.Name) + "/" + strings.TrimPrefix(p, "/")
}

// api calls the attendee's server's REST API as JupyterLab does (cookie and
// its _xsrf token) and decodes the JSON answer into out, if not nil.
func (a *attendee) api(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	h := http.Header{"X-XSRFToken": {a.cookie(a.serverPath(""), "_xsrf")}}
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
		h.Set("Content-Type", "application/json")
	}
	raw, resp, err := a.do(ctx, method, a.hub.URL+a.serverPath(path), body, h)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(resp.Request.URL.Path, a.serverPath("")) {
		return fmt.Errorf("%s %s was redirected to %s", method, path, resp.Request.URL)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: %w\n%.300s", method, path, err, raw)
	}
	return nil
}

// cookie returns the value of the named cookie the browser would send to path.
func (a *attendee) cookie(path, name string) string {
	u, _ := url.Parse(a.hub.URL + path)
	for _, c := range a.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// errStatus is an HTTP answer that is not a success.
var errStatus = errors.New("unexpected HTTP status")

// do sends one request (following redirects) and returns the body of the
// final answer, failing on a status other than 2xx.
func (a *attendee) do(ctx context.Context, method, u string, body io.Reader, h http.Header) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Referer", a.hub.URL+"/hub/")
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp, err
	}
	if resp.StatusCode/100 != 2 {
		return raw, resp, fmt.Errorf("%w: %s %s: %s: %.300s", errStatus, method, resp.Request.URL.Path, resp.Status, raw)
	}
	return raw, resp, nil
}
