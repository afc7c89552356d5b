package mockserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// oversized is the body size of the checks: far above maxBodyBytes, far
// beyond what the kernel's socket buffers hold, below maxDrainBytes.
const oversized = 3 << 20

func TestOversizedFitsTheDrain(t *testing.T) {
	if oversized >= maxDrainBytes {
		t.Fatalf("the checks' body (%d bytes) must fit the drain (%d)", oversized, maxDrainBytes)
	}
}

// detail413 reports whether body is the server's JSON 413 answer.
func detail413(body []byte) bool {
	var e struct{ Detail string }
	return json.Unmarshal(body, &e) == nil && strings.Contains(e.Detail, "body larger than")
}

// TestOversizedBodyWrittenWholeBeforeReading sends a 3 MB PATCH over real TCP
// the way simple clients do: the whole body first, then read the answer. The
// server must read and discard what it will not use, so the client's writes
// complete and it reads the JSON 413 rather than a reset connection.
func TestOversizedBodyWrittenWholeBeforeReading(t *testing.T) {
	srv := startServer(t, config(0))
	id := listIDs(t, srv.URL, 1)[0]
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			body := bytes.Repeat([]byte("a"), oversized)
			var req bytes.Buffer
			fmt.Fprintf(&req, "PATCH /videos/%s HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n", id)
			if chunked {
				fmt.Fprintf(&req, "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
			} else {
				fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(body), body)
			}
			if _, err := conn.Write(req.Bytes()); err != nil {
				t.Fatalf("writing the %d-byte request: %v (the server stopped reading it)", req.Len(), err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge || !detail413(b) {
				t.Fatalf("answer %d %s (%v), want 413 with a JSON detail", resp.StatusCode, b, err)
			}
		})
	}
	code, b := get(t, http.DefaultClient, srv.URL+"/videos/"+id)
	if code != 200 || !strings.Contains(string(b), `"warnings":[]`) {
		t.Errorf("after the oversized PATCHes: %d %s, want the video unchanged", code, b)
	}
}

// TestOversizedBodyFromPythonURLLib sends the 3 MB PATCH with Python's
// urllib, the client that met a reset, from the repository's .venv.
func TestOversizedBodyFromPythonURLLib(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python; skipped in -short")
	}
	python := pythonForTests(t)
	srv := startServer(t, config(0))
	id := listIDs(t, srv.URL, 1)[0]
	cmd := exec.Command(python, filepath.Join("testdata", "oversized_patch.py"), srv.URL+"/videos/"+id, strconv.Itoa(oversized))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", python, err)
	}
	var got struct {
		Status int
		Body   string
		Error  string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("script printed %q: %v", out, err)
	}
	if got.Error != "" || got.Status != http.StatusRequestEntityTooLarge || !detail413([]byte(got.Body)) {
		t.Fatalf("urllib got %+v, want 413 with a JSON detail", got)
	}
	t.Logf("urllib, %d-byte body: %d %s", oversized, got.Status, got.Body)
}

// pythonForTests returns the repository's .venv Python (make setup creates
// it), or python3 on PATH; it fails the test saying how to get one.
func pythonForTests(t *testing.T) string {
	t.Helper()
	venv, err := filepath.Abs(filepath.Join("..", "..", ".venv", "bin", "python"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(venv); err == nil {
		return venv
	}
	if p, err := exec.LookPath("python3"); err == nil {
		return p
	}
	t.Fatalf("no Python: %s is missing and python3 is not on PATH; run `make setup` in the repository root", venv)
	return ""
}
