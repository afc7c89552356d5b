package classroom

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestClassroomTLS runs the classroom as it serves a room's network: over
// TLS, with a certificate made for the class whose fingerprint the script
// prints. (On the room's network it listens on 0.0.0.0; tests serve
// loopback only, so CLASSROOM_TLS=on asks for the same TLS on 127.0.0.1.)
// An attendee who trusts only the printed fingerprint signs up, gets their
// server and runs a cell through the TLS proxy; a client that trusts the
// usual certificate authorities, or speaks plain HTTP, gets nowhere. The
// class then ends as a closed terminal ends it (SIGHUP), leaving nothing.
func TestClassroomTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a JupyterHub class with a GoNB kernel (make setup); skipped in -short (the fast layer)")
	}
	h := startHub(t, "VIDEO_SERVER_LATENCY_SCALE="+LatencyScale, "CLASSROOM_TLS=on")
	if h.Fingerprint == "" || !strings.HasPrefix(h.URL, "https://") {
		t.Fatalf("CLASSROOM_TLS=on: the classroom printed no https URL with a fingerprint; its log:\n%s", tailFile(h.logPath, 40))
	}
	if raw, err := os.ReadFile(filepath.Join(h.Dir, "state", "tls-fingerprint")); err != nil || strings.TrimSpace(string(raw)) != h.Fingerprint {
		t.Errorf("the printed fingerprint %s is not the one in the state folder (%q, %v)", h.Fingerprint, raw, err)
	}
	// The same hub, by a client that checks the certificate as a browser
	// without the class's fingerprint would, and in plain HTTP.
	strict := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
	if resp, err := strict.Get(h.URL + "/hub/api"); err == nil {
		resp.Body.Close()
		t.Errorf("a client trusting the usual authorities accepted the class's certificate")
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get(strings.Replace(h.URL, "https://", "http://", 1) + "/hub/api"); err == nil {
		if resp.StatusCode == http.StatusOK {
			t.Errorf("the hub answered plain HTTP on its TLS port")
		}
		resp.Body.Close()
	}
	// A pinned client that is given another fingerprint must refuse it:
	// the pinning is what the attendee relies on.
	wrong := &http.Client{Timeout: 5 * time.Second, Transport: pinnedTransport(strings.Repeat("00:", 31) + "00")}
	if resp, err := wrong.Get(h.URL + "/hub/api"); err == nil {
		resp.Body.Close()
		t.Errorf("a client pinned to another fingerprint accepted the class's certificate")
	}

	ctx, cancel := withTimeout(t, 10*time.Minute)
	defer cancel()
	a := newAttendee(h, "remote")
	if err := a.join(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.spawn(ctx); err != nil {
		t.Fatal(err)
	}
	k, err := a.openNotebook(ctx, FirstNotebook)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.execute(ctx, "!*go mod edit -replace github.com/go-async-workshop/workshop=${GONB_DIR}/.. -require github.com/go-async-workshop/workshop@v0.0.0"); err != nil {
		t.Fatal(err)
	}
	r, err := k.execute(ctx, "%%\nids, err := videoapi.New(\"\").ListIDs(context.Background(), 3)\nfmt.Println(\"ids:\", len(ids), err)")
	if err != nil {
		t.Fatal(err)
	}
	if text := outputsText(r); !strings.Contains(text, "ids: 3 <nil>") {
		t.Errorf("a cell run over TLS printed %q, want ids: 3 <nil>", text)
	}
	_ = k.close(context.Background())
	t.Logf("over TLS (certificate %s), %s signed up, got a server and ran a cell against their mock server", h.Fingerprint, a.Name)

	// A closed terminal.
	h.stop(t, syscall.SIGHUP)
}

// TestClassroomNetworkNeedsTLS: the room's network without TLS is refused
// before anything listens.
func TestClassroomNetworkNeedsTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs make classroom's checks with the classroom's Python (make setup); skipped in -short")
	}
	root := repoRoot(t)
	checkInstalled(t, root)
	for _, env := range [][]string{
		{"CLASSROOM_LISTEN=0.0.0.0", "CLASSROOM_TLS=off"},
		{"CLASSROOM_LISTEN=0.0.0.0", "CLASSROOM_WALLS=off"},
		{"CLASSROOM_LISTEN=not-an-address"},
		{"CLASSROOM_PORT=8000"},
		{"CLASSROOM_TLS_CERT=/etc/hostname"},
		{"CLASSROOM_BOARD_STUCK_AFTER=soon"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "classroom.sh"))
		cmd.Env = append(os.Environ(), append(env, "CLASSROOM_DIR="+filepath.Join(t.TempDir(), "class"), "CLASSROOM_PORT=1")...)
		if strings.HasPrefix(env[0], "CLASSROOM_PORT") {
			cmd.Env = append(cmd.Env, env[0])
		}
		out, err := cmd.CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), "error:") {
			t.Errorf("make classroom with %v: %v, want a clear error; it printed:\n%s", env, err, out)
		}
		if strings.Contains(string(out), "building the video server") {
			t.Errorf("make classroom with %v went on to build before refusing:\n%s", env, out)
		}
	}
}
