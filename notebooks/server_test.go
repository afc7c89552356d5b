package notebooks

import (
	"bufio"
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The mock server the notebooks run against is the workshop's own program,
// built by the test without the race detector whatever the test is built
// with, as learners run it. Lessons time the server's own work (drawing the
// tiles of notebook 06's map): the race detector would slow that several
// times and bend the lesson, and the server's own tests run it under -race.
const (
	serverStartTimeout = time.Minute
	serverStopTimeout  = 30 * time.Second
)

// serverStarted matches the line the server logs once it listens.
var serverStarted = regexp.MustCompile(`video server on (http://\S+)`)

// buildServer builds the server program into a folder of the test.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "workshop-server")
	cmd := exec.Command("go", "build", "-o", bin, "../server")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the mock server: %v\n%s", err, out)
	}
	return bin
}

// startServer runs the server program at addr ("127.0.0.1:0": a free port)
// with the latency scale until the test ends, and returns its URL.
func startServer(t *testing.T, bin, addr string, scale float64) string {
	t.Helper()
	cmd := exec.Command(bin, "-addr", addr, "-latency-scale", strconv.FormatFloat(scale, 'g', -1, 64))
	cmd.Env = []string{} // every setting from the flags, none from the environment
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the mock server: %v", err)
	}
	var mu sync.Mutex
	var log strings.Builder // what it said, for messages
	urls := make(chan string, 1)
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := serverStarted.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	}()
	said := func() string {
		mu.Lock()
		defer mu.Unlock()
		return log.String()
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { <-read; done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the mock server ended with %v:\n%s", err, said())
			}
		case <-time.After(serverStopTimeout):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("the mock server did not stop within %v of SIGTERM; killed", serverStopTimeout)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), serverStartTimeout)
	defer cancel()
	select {
	case url := <-urls:
		return url
	case <-read:
		t.Fatalf("the mock server exited at start:\n%s", said())
	case <-ctx.Done():
		t.Fatalf("the mock server did not start within %v:\n%s", serverStartTimeout, said())
	}
	return ""
}

func TestStartServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server program; skipped in -short")
	}
	url := startServer(t, buildServer(t), "127.0.0.1:0", 0)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Errorf("server URL %q, want a loopback port", url)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s/healthz: %s", url, resp.Status)
	}
}
