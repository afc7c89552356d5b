package kernelclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// MaxMessage bounds one kernel message (a cell's picture is tens of
// kilobytes; a whole notebook's outputs stay far below this).
const MaxMessage = 64 << 20

// protocolVersion is the Jupyter messaging protocol version the client
// speaks.
const protocolVersion = "5.3"

// Kernel is a notebook session: a kernel the server started for a notebook,
// and the WebSocket to its channels.
type Kernel struct {
	// ID is the kernel's id; SessionID the REST session's.
	ID, SessionID string
	// Requested is when the session was asked for, Ready when the kernel
	// first answered kernel_info: Ready-Requested is the kernel's start.
	Requested, Ready time.Time

	server  *Server
	session string // the messaging protocol's session id of this client
	ws      *websocket.Conn
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

// Open starts a kernel named kernelName for the notebook at path (relative
// to the server's root folder) as JupyterLab does when it opens a notebook:
// a REST session, so that the kernel runs in the notebook's folder, then the
// kernel's channels WebSocket. It returns once the kernel has answered
// kernel_info. The server keeps one session per path: a second Open of the
// same path gets the first one's kernel, or an error if it is another kind
// (a path that names no file still gives its folder to the kernel).
func (s *Server) Open(ctx context.Context, path, kernelName string) (*Kernel, error) {
	if path == "" || kernelName == "" {
		return nil, errors.New("kernelclient: Open needs a notebook path and a kernel name")
	}
	k := &Kernel{server: s, session: newID(), Requested: time.Now()}
	var sess struct {
		ID     string `json:"id"`
		Kernel struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"kernel"`
	}
	in := map[string]any{"path": path, "name": path, "type": "notebook", "kernel": map[string]string{"name": kernelName}}
	if err := s.API(ctx, http.MethodPost, "api/sessions", in, &sess); err != nil {
		return nil, fmt.Errorf("starting a %s kernel for %s: %w", kernelName, path, err)
	}
	if sess.Kernel.Name != kernelName {
		return nil, fmt.Errorf("starting a %s kernel for %s: the server already has a session for that path, with a %s kernel", kernelName, path, sess.Kernel.Name)
	}
	k.ID, k.SessionID = sess.Kernel.ID, sess.ID
	if err := k.dial(ctx); err != nil {
		k.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	id, err := k.send(ctx, "shell", "kernel_info_request", map[string]any{})
	if err != nil {
		k.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	for {
		m, err := k.read(ctx)
		if err != nil {
			k.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("waiting for the %s kernel to answer kernel_info: %w", kernelName, err)
		}
		if m.ParentHeader.MsgID == id && m.Header.MsgType == "kernel_info_reply" {
			k.Ready = time.Now()
			return k, nil
		}
	}
}

// dial opens the kernel's channels WebSocket.
func (k *Kernel) dial(ctx context.Context) error {
	u, err := k.server.endpoint("api/kernels/" + k.ID + "/channels")
	if err != nil {
		return err
	}
	origin := u.Scheme + "://" + u.Host
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	q := u.Query()
	q.Set("session_id", k.session)
	u.RawQuery = q.Encode()
	h := http.Header{"Origin": {origin}}
	// The token and Prepare's headers go on the upgrade request too.
	probe, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	k.server.header(probe)
	for name, v := range probe.Header {
		h[name] = v
	}
	ws, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: k.server.client(), HTTPHeader: h})
	if err != nil {
		status := ""
		if resp != nil {
			status = " (" + resp.Status + ")"
		}
		return fmt.Errorf("opening the kernel's WebSocket %s: %w%s", u.Path, err, status)
	}
	ws.SetReadLimit(MaxMessage)
	k.ws = ws
	return nil
}

// newID returns a random message or session id.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// send writes one request and returns its msg_id.
func (k *Kernel) send(ctx context.Context, channel, msgType string, content any) (string, error) {
	raw, err := json.Marshal(content)
	if err != nil {
		return "", err
	}
	m := message{
		Header: header{MsgID: newID(), MsgType: msgType, Username: "kernelclient", Session: k.session,
			Date: time.Now().UTC().Format(time.RFC3339Nano), Version: protocolVersion},
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
func (k *Kernel) read(ctx context.Context) (message, error) {
	var m message
	typ, raw, err := k.ws.Read(ctx)
	if err != nil {
		return m, err
	}
	if typ != websocket.MessageText {
		return m, errors.New("a binary WebSocket message, but no binary protocol was asked for")
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("a kernel message that is not JSON: %w", err)
	}
	return m, nil
}

// Output is one output of a cell, as nbformat stores it.
type Output struct {
	Type      string                     // stream, display_data, execute_result, error
	Name      string                     // stdout or stderr, for a stream
	Text      string                     // stream text
	Data      map[string]json.RawMessage // MIME type -> content
	EName     string                     // for an error
	EValue    string
	Traceback []string
}

// Run is what running one cell gave.
type Run struct {
	Status      string        // execute_reply's status: ok, error, aborted
	Outputs     []Output      // in the order the kernel sent them
	Started     time.Time     // when execute_request was sent
	Elapsed     time.Duration // execute_request to the kernel idle again
	FirstOutput time.Duration // to the first output, or 0 if none
}

// Text returns every stream text and text/plain output of the run, joined.
func (r Run) Text() string {
	var b strings.Builder
	for _, o := range r.Outputs {
		b.WriteString(o.Text)
		if raw, ok := o.Data["text/plain"]; ok {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				b.WriteString(s)
			}
		}
		if o.Type == "error" {
			b.WriteString(o.EName + ": " + o.EValue + "\n" + strings.Join(o.Traceback, "\n"))
		}
	}
	return b.String()
}

// Execute runs code as one cell and collects its outputs until the kernel
// has replied and is idle again. A cell that fails is a Run with status
// "error", not an error: Execute fails only when it cannot talk to the
// kernel or the kernel dies.
func (k *Kernel) Execute(ctx context.Context, code string) (Run, error) {
	start := time.Now()
	run := Run{Started: start}
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
		if m.Header.MsgType == "status" && m.ParentHeader.MsgID != id {
			var c struct {
				ExecutionState string `json:"execution_state"`
			}
			if json.Unmarshal(m.Content, &c) == nil && c.ExecutionState == "dead" {
				return run, errors.New("the kernel died while running the cell")
			}
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
			run.Outputs = append(run.Outputs, Output{Type: typ, Name: c.Name, Text: c.Text, Data: c.Data,
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

// Close shuts the kernel down as closing a notebook's tab and its kernel
// does: the WebSocket, then the session (which stops the kernel).
func (k *Kernel) Close(ctx context.Context) error {
	if k.ws != nil {
		_ = k.ws.Close(websocket.StatusNormalClosure, "")
		k.ws = nil
	}
	if k.SessionID == "" {
		return nil
	}
	err := k.server.API(ctx, http.MethodDelete, "api/sessions/"+k.SessionID, nil, nil)
	k.SessionID = ""
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		return nil
	}
	return err
}
