package classroom

import (
	"os/exec"
	"strings"
	"testing"
)

// TestQuietPolls: the hub's access log drops the services' successful
// polls and keeps every other line (classboard.QuietPolls).
func TestQuietPolls(t *testing.T) {
	tests := []struct {
		line string
		kept bool
	}{
		{"200 GET /hub/api/users?limit=2000 (board@127.0.0.1) 5.85ms", false},
		{"200 GET /hub/api/users (room@127.0.0.1) 3.10ms", false},
		{"403 GET /hub/api/users (board@127.0.0.1) 2.00ms", true},  // a failure shows
		{"200 POST /hub/api/users (board@127.0.0.1) 2.00ms", true}, // only reads are routine
		{"200 GET /hub/api/users (alice@127.0.0.1) 2.00ms", true},  // an attendee named like no service
		{"200 GET /hub/api/users (boarder@127.0.0.1) 2.00ms", true},
		{"302 GET /hub/spawn/alice (alice@127.0.0.1) 9.00ms", true},
	}
	var lines []string
	for _, tt := range tests {
		lines = append(lines, tt.line)
	}
	script := `
import logging, sys
sys.path.insert(0, ".")
import classboard
f = classboard.QuietPolls(["board", "room"])
for line in sys.stdin.read().split("\n"):
    r = logging.LogRecord("tornado.access", logging.INFO, "", 0, "%s", (line,), None)
    print("kept" if f.filter(r) else "dropped")
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	if len(got) != len(tests) {
		t.Fatalf("%d answers for %d lines:\n%s", len(got), len(tests), out)
	}
	for i, tt := range tests {
		if (got[i] == "kept") != tt.kept {
			t.Errorf("%q: %s, want kept %v", tt.line, got[i], tt.kept)
		}
	}
}
