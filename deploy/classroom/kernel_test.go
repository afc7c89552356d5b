package classroom

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// MaxMessage bounds one kernel message (a cell's timeline picture is tens
// of kilobytes).
const MaxMessage = 64 << 20

// kernel is a notebook session of an attendee: a GoNB kernel started for a
// notebook, and the WebSocket to it through the hub's proxy, speaking the
// Jupyter messaging protocol (JSON text frames, as jupyter_server offers
// when no binary subprotocol is asked for).
type kernel struct {
	a         *attendee
	sessionID string // the REST session, deleted by close
	kernelID  string
	session   string // the protocol's session id of this client
	ws        *websocket.Conn
}

// message is a Jupyter protocol message as it travels over the WebSocket.
type message struct {
	Header       header          `json:"header"`
	ParentHeader header          `json:"parent_header"`
	Metadata     map[string]any  `json:"metadata"`
	Content      json.RawMessage `json:"content"`
	Channel      string          `json:"channel"`
	Buffers      []any           `json:"buffers"`
}

type header struct {
	MsgID    string `json:"msg_id,omitempty"`
	MsgType  string `json:"msg_type,omitempty"`
	Username string `json:"username,omitempty"`
	Session  string `json:"session,omitempty"`
	Date     string `json:"date,omitempty"`
	Version  string `json:"version,omitempty"`
}

// openNotebook starts a kernel for the notebook at path (relative to the
// attendee's home), as JupyterLab does when it opens the notebook: a REST
// session (so the kernel runs in the notebook's folder), then the kernel's
// channels WebSocket. It waits until the kernel answers kernel_info.
func (a *attendee) openNotebook(ctx context.Context, path string) (*kernel, error) {
	var sess struct {
		ID     string `json:"id"`
		Kernel struct {
			ID string `json:"id"`
		} `json:"kernel"`
	}
	in := map[string]any{"path": path, "name": path, "type": "notebook", "kernel": map[string]string{"name": "gonb"}}
	if err := a.api(ctx, http.MethodPost, "api/sessions", in, &sess); err != nil {
		return nil, fmt.Errorf("starting a kernel for %s: %w", path, err)
	}
	k := &kernel{a: a, sessionID: sess.ID, kernelID: sess.Kernel.ID, session: newID()}
	u, _ := url.Parse(a.hub.URL + a.serverPath("api/kernels/"+sess.Kernel.ID+"/channels"))
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1) // ws, or wss over TLS
	u.RawQuery = url.Values{"session_id": {k.session}}.Encode()
	h := http.Header{"Origin": {a.hub.URL}}
	ws, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: a.client, HTTPHeader: h})
	if err != nil {
		status := ""
		if resp != nil {
			status = resp.Status
		}
		return nil, fmt.Errorf("opening the kernel's WebSocket %s: %w %s", u.Path, err, status)
	}
	ws.SetReadLimit(MaxMessage)
	k.ws = ws
	id, err := k.send(ctx, "shell", "kernel_info_request", map[string]any{})
	if err != nil {
		k.close(ctx)
		return nil, err
	}
	for {
		m, err := k.read(ctx)
		if err != nil {
			k.close(ctx)
			return nil, fmt.Errorf("waiting for the kernel to answer kernel_info: %w", err)
		}
		if m.ParentHeader.MsgID == id && m.Header.MsgType == "kernel_info_reply" {
			return k, nil
		}
	}
}

// newID returns a random message or session id.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// send writes one request and returns its msg_id.
func (k *kernel) send(ctx context.Context, channel, msgType string, content any) (string, error) {
	raw, err := json.Marshal(content)
	if err != nil {
		return "", err
	}
	m := message{
		Header: header{MsgID: newID(), MsgType: msgType, Username: k.a.Name, Session: k.session,
			Date: time.Now().UTC().Format(time.RFC3339Nano), Version: "5.3"},
		Metadata: map[string]any{}, Content: raw, Channel: channel, Buffers: []any{},
	}
	out, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	if err := k.ws.Write(ctx, websocket.MessageText, out); err != nil {
		return "", fmt.Errorf("sending %s: %w", msgType, err)
	}
	return m.Header.MsgID, nil
}

// read returns the next message from the kernel.
func (k *kernel) read(ctx context.Context) (message, error) {
	var m message
	typ, raw, err := k.ws.Read(ctx)
	if err != nil {
		return m, err
	}
	if typ != websocket.MessageText {
		return m, fmt.Errorf("a binary WebSocket message, but no binary protocol was asked for")
	}
	err = json.Unmarshal(raw, &m)
	return m, err
}

// output is one output of a cell, as nbformat stores it.
type output struct {
	Type      string                     // stream, display_data, execute_result, error
	Name      string                     // stdout or stderr, for a stream
	Text      string                     // stream text
	Data      map[string]json.RawMessage // MIME type -> content
	EName     string
	EValue    string
	Traceback []string
}

// cellRun is what running one cell gave.
type cellRun struct {
	Index     int // position among the notebook's cells
	FirstLine string
	// Interactive: the cell waits for a person (notebook 01's slider waits
	// for the browser, then for moves), so its time is not the machine's.
	Interactive bool
	Status      string // execute_reply's status: ok, error, aborted
	Outputs     []output
	Started     time.Time     // when execute_request was sent
	Elapsed     time.Duration // execute_request to the kernel back to idle
	FirstOutput time.Duration // to the first output, or 0 if none
}

// execute runs code as one cell and collects its outputs until the kernel
// has replied and is idle again.
func (k *kernel) execute(ctx context.Context, code string) (cellRun, error) {
	start := time.Now()
	run := cellRun{Started: start}
	id, err := k.send(ctx, "shell", "execute_request", map[string]any{
		"code": code, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true,
	})
	if err != nil {
		return run, err
	}
	replied, idle := false, false
	for !replied || !idle {
		m, err := k.read(ctx)
		if err != nil {
			return run, fmt.Errorf("reading the cell's messages: %w", err)
		}
		if m.ParentHeader.MsgID != id {
			continue
		}
		var c struct {
			Name           string                     `json:"name"`
			Text           string                     `json:"text"`
			Data           map[string]json.RawMessage `json:"data"`
			EName          string                     `json:"ename"`
			EValue         string                     `json:"evalue"`
			Traceback      []string                   `json:"traceback"`
			Status         string                     `json:"status"`
			ExecutionState string                     `json:"execution_state"`
		}
		if err := json.Unmarshal(m.Content, &c); err != nil {
			return run, fmt.Errorf("%s message: %w", m.Header.MsgType, err)
		}
		switch m.Header.MsgType {
		case "stream", "display_data", "execute_result", "error", "update_display_data":
			if run.FirstOutput == 0 {
				run.FirstOutput = time.Since(start)
			}
			typ := m.Header.MsgType
			if typ == "update_display_data" {
				typ = "display_data"
			}
			run.Outputs = append(run.Outputs, output{Type: typ, Name: c.Name, Text: c.Text, Data: c.Data,
				EName: c.EName, EValue: c.EValue, Traceback: c.Traceback})
		case "execute_reply":
			replied = true
			run.Status = c.Status
		case "status":
			idle = c.ExecutionState == "idle"
		}
	}
	run.Elapsed = time.Since(start)
	return run, nil
}

// close shuts the kernel down as closing the notebook's tab and its kernel
// does: the WebSocket, then the session.
func (k *kernel) close(ctx context.Context) error {
	if k.ws != nil {
		_ = k.ws.Close(websocket.StatusNormalClosure, "")
	}
	if k.sessionID == "" {
		return nil
	}
	err := k.a.api(ctx, http.MethodDelete, "api/sessions/"+k.sessionID, nil, nil)
	if err != nil && !strings.Contains(err.Error(), "404") {
		return err
	}
	return nil
}
