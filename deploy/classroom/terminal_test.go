package classroom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/coder/websocket"
)

// terminal is a JupyterLab terminal of an attendee: the Jupyter server's
// terminals REST API and its WebSocket (terminado's protocol: JSON arrays
// such as ["stdin", "ls\r"] and ["stdout", "..."]), as JupyterLab uses them.
type terminal struct {
	a    *attendee
	name string
	ws   *websocket.Conn
}

// openTerminal starts a terminal, as File > New > Terminal does.
func (a *attendee) openTerminal(ctx context.Context) (*terminal, error) {
	var info struct {
		Name string `json:"name"`
	}
	if err := a.api(ctx, http.MethodPost, "api/terminals", map[string]any{}, &info); err != nil {
		return nil, fmt.Errorf("starting a terminal: %w", err)
	}
	u, _ := url.Parse(a.hub.URL + a.serverPath("terminals/websocket/"+info.Name))
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	ws, _, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: a.client, HTTPHeader: http.Header{"Origin": {a.hub.URL}}})
	if err != nil {
		return nil, fmt.Errorf("opening the terminal's WebSocket: %w", err)
	}
	ws.SetReadLimit(MaxMessage)
	return &terminal{a: a, name: info.Name, ws: ws}, nil
}

// doneMarker is what run's command prints when it has finished; the
// terminal echoes the command as typed, with the marker split by quotes,
// so the echo never matches.
var doneMarker = regexp.MustCompile(`@@DONE (\d+) (\d+)@@`)

// run types a command into the terminal and waits for it to finish; it
// returns its exit status and what the terminal showed meanwhile.
func (t *terminal) run(ctx context.Context, command string) (int, string, error) {
	id := newID()[:8]
	id64, _ := strconv.ParseUint(id, 16, 64)
	line := fmt.Sprintf("( %s ) </dev/null 2>&1 | tail -c 300; echo \"@@DO\"\"NE %d ${PIPESTATUS[0]}@@\"\r", command, id64)
	if err := t.send(ctx, "stdin", line); err != nil {
		return 0, "", err
	}
	var out strings.Builder
	for {
		_, raw, err := t.ws.Read(ctx)
		if err != nil {
			return 0, out.String(), fmt.Errorf("reading the terminal: %w (it showed: %s)", err, clip(out.String(), 500))
		}
		var msg []any
		if json.Unmarshal(raw, &msg) != nil || len(msg) < 2 || msg[0] != "stdout" {
			continue
		}
		s, _ := msg[1].(string)
		out.WriteString(s)
		for _, m := range doneMarker.FindAllStringSubmatch(out.String(), -1) {
			if m[1] == strconv.FormatUint(id64, 10) {
				status, _ := strconv.Atoi(m[2])
				return status, out.String(), nil
			}
		}
	}
}

func (t *terminal) send(ctx context.Context, kind, text string) error {
	raw, _ := json.Marshal([]string{kind, text})
	return t.ws.Write(ctx, websocket.MessageText, raw)
}

// close ends the terminal (its WebSocket, then the terminal itself).
func (t *terminal) close(ctx context.Context) {
	_ = t.ws.Close(websocket.StatusNormalClosure, "")
	_ = t.a.api(ctx, http.MethodDelete, "api/terminals/"+t.name, nil, nil)
}
