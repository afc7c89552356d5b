package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// TestPeerNames: a peer's name is its account's, without the class's
// prefix when the account has it; an id with no account is "uid-N".
func TestPeerNames(t *testing.T) {
	accounts := map[int]string{1001: "wsa-alice", 1002: "bob", 1003: "wsa-", 1004: "xwsa-carol"}
	lookup := func(uid int) (string, error) {
		if a, ok := accounts[uid]; ok {
			return a, nil
		}
		return "", errors.New("no such account")
	}
	tests := []struct {
		prefix string
		uid    int
		want   string
	}{
		{"wsa-", 1001, "alice"},
		{"wsa-", 1002, "bob"},
		{"wsa-", 1003, "wsa-"}, // nothing after the prefix: the account's name
		{"wsa-", 1004, "xwsa-carol"},
		{"", 1001, "wsa-alice"},
		{"wsa-", 4242, "uid-4242"},
	}
	for _, tt := range tests {
		if got := newPeerNames(tt.prefix, lookup).name(tt.uid); got != tt.want {
			t.Errorf("prefix %q, uid %d: name %q, want %q", tt.prefix, tt.uid, got, tt.want)
		}
	}
}

// PeerUID is the account the test connects as to stand for an attendee:
// nobody, whose group may reach the socket.
const PeerUID = 65534

// TestSharedClientNames: on a shared server's Unix socket, a request of
// another account that names itself "alice" in the header is counted under
// its account's name ("nobody" without the prefix "no": "body"), while the
// host (root, the test) keeps the header's name. Over TCP, the header counts.
func TestSharedClientNames(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("connecting as another account takes root: run as root (as CI does) to test peer names")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("curl, which connects as another account here, is not installed")
	}
	dir := shortTempDir(t)
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.LatencyScale = 0
	cfg.Shared = true
	cfg.AccountPrefix = "no"
	cfg.Addr = "unix:" + filepath.Join(dir, "room.sock")
	cfg.SocketGroup = strconv.Itoa(PeerUID)
	r, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopRunning(t, r) })
	id := r.db.IDs(1)[0]
	sock, _ := UnixSocketPath(r.URL)

	// The attendee: another account, claiming to be alice.
	cmd := exec.Command(curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", sock,
		"-H", endpoints.ClientHeader+": alice", "http://room/videos/"+id)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: PeerUID, Gid: PeerUID}}
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "200" {
		t.Fatalf("GET as uid %d: %v %s, want 200", PeerUID, err, out)
	}
	// The host, naming carol.
	c, base := clientOf(r)
	get := func(base, name string) {
		req, _ := http.NewRequest(http.MethodGet, base+"/videos/"+id, nil)
		req.Header.Set(endpoints.ClientHeader, name)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET as %s: %s", name, resp.Status)
		}
	}
	get(base, "carol")
	if got := clientCounts(r); got != "body=1 carol=1" {
		t.Errorf("shared server over its socket counted %q, want body=1 carol=1 (alice's name is not the account's)", got)
	}

	// Over TCP there are no credentials: the header names the client.
	cfg.Addr, cfg.SocketGroup = "127.0.0.1:0", ""
	tcp, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopRunning(t, tcp) })
	c, base = clientOf(tcp)
	get(base, "alice")
	if got := clientCounts(tcp); got != "alice=1" {
		t.Errorf("shared server over TCP counted %q, want alice=1", got)
	}
}

// clientCounts lists the video gate's clients and their requests, sorted
// by name: "a=1 b=2".
func clientCounts(r *Running) string {
	var parts []string
	for name, st := range r.gates["video"].ClientStats() {
		parts = append(parts, fmt.Sprintf("%s=%d", name, st.Served))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}
