package kernelclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Limits of a local server's life.
const (
	// DefaultStartTimeout bounds how long Start waits for the server to
	// answer: seconds on a quiet machine, a minute or more on a busy one.
	DefaultStartTimeout = 3 * time.Minute
	// StopTimeout bounds how long Stop waits for the server to shut its
	// kernels down and exit before it is killed.
	StopTimeout = 15 * time.Second
)

// Options say how to start a local Jupyter server.
type Options struct {
	// Jupyter is the path of the jupyter command (required).
	Jupyter string
	// Env is the server's environment, which its kernels inherit; nil means
	// this process's. Start adds the token and a private runtime folder.
	Env []string
	// Root is the folder the server serves (required): notebook paths are
	// relative to it, and a notebook's kernel runs in the notebook's folder.
	Root string
	// Args are more command-line options for `jupyter server`.
	Args []string
	// Log receives the server's own output; nil discards it.
	Log io.Writer
	// StartTimeout bounds the wait for the server; 0 means
	// DefaultStartTimeout.
	StartTimeout time.Duration
}

// Local is a Jupyter server started by Start, on a free loopback port, with
// a random token that is never on its command line.
type Local struct {
	Server
	// PID is the server's process id.
	PID int

	cmd     *exec.Cmd
	runtime string // the server's private runtime folder (connection files)
	exited  chan struct{}
	waitErr error
	once    sync.Once
}

// Start starts `jupyter server` as o says and returns once its REST API
// answers. Stop it with Stop.
func Start(ctx context.Context, o Options) (*Local, error) {
	if o.Jupyter == "" || o.Root == "" {
		return nil, errors.New("kernelclient: Start needs the jupyter command and a root folder")
	}
	if st, err := os.Stat(o.Root); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("kernelclient: root folder %q is not a folder", o.Root)
	}
	timeout := o.StartTimeout
	if timeout == 0 {
		timeout = DefaultStartTimeout
	}
	runtime, err := os.MkdirTemp("", "kernelclient-")
	if err != nil {
		return nil, err
	}
	token := make([]byte, 24)
	_, _ = rand.Read(token)
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	l := &Local{runtime: runtime, exited: make(chan struct{})}
	l.Token = hex.EncodeToString(token)
	args := []string{"server", "--no-browser", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
		"--ServerApp.port_retries=0", "--ServerApp.root_dir=" + o.Root}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root") // e.g. inside a container
	}
	l.cmd = exec.Command(o.Jupyter, append(args, o.Args...)...)
	l.cmd.Dir = o.Root
	// The token goes through the environment, never the command line.
	l.cmd.Env = append(append([]string{}, env...), "JUPYTER_TOKEN="+l.Token, "JUPYTER_RUNTIME_DIR="+runtime)
	var tail tailBuffer
	l.cmd.Stdout = io.MultiWriter(orDiscard(o.Log), &tail)
	l.cmd.Stderr = l.cmd.Stdout
	if err := l.cmd.Start(); err != nil {
		os.RemoveAll(runtime)
		return nil, fmt.Errorf("starting %s server: %w", o.Jupyter, err)
	}
	l.PID = l.cmd.Process.Pid
	go func() {
		l.waitErr = l.cmd.Wait()
		close(l.exited)
	}()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := l.waitReady(ctx); err != nil {
		l.Stop()
		return nil, fmt.Errorf("jupyter server did not start: %w\n%s", err, tail.String())
	}
	return l, nil
}

// waitReady waits for the server's info file (which says its port), then
// for its REST API to answer.
func (l *Local) waitReady(ctx context.Context) error {
	info := filepath.Join(l.runtime, "jpserver-"+strconv.Itoa(l.PID)+".json")
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if l.URL == "" {
			if raw, err := os.ReadFile(info); err == nil {
				var s struct {
					URL string `json:"url"`
				}
				if json.Unmarshal(raw, &s) == nil && s.URL != "" {
					l.URL = s.URL
				}
			}
		}
		if l.URL != "" {
			var status map[string]any
			if err := l.API(ctx, http.MethodGet, "api/status", nil, &status); err == nil {
				return nil
			}
		}
		select {
		case <-l.exited:
			return fmt.Errorf("it exited (%v)", l.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// ConnectionFile returns the path of the connection file the server wrote
// for a kernel: the kernel's process names it on its command line.
func (l *Local) ConnectionFile(kernelID string) string {
	return filepath.Join(l.runtime, "kernel-"+kernelID+".json")
}

// Stop asks the server to shut down (SIGTERM: it stops its kernels first),
// kills it if it has not exited within StopTimeout, and removes its
// runtime folder. It is safe to call more than once.
func (l *Local) Stop() error {
	var err error
	l.once.Do(func() {
		_ = l.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-l.exited:
		case <-time.After(StopTimeout):
			_ = l.cmd.Process.Kill()
			<-l.exited
			err = fmt.Errorf("jupyter server (pid %d) did not stop within %v: killed", l.PID, StopTimeout)
		}
		os.RemoveAll(l.runtime)
	})
	return err
}

// orDiscard returns w, or io.Discard for nil.
func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// tailBuffer keeps the last few kilobytes written to it: the server's last
// words when it fails to start.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const tailSize = 4 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if t.buf.Len() > 2*tailSize {
		b := t.buf.Bytes()[t.buf.Len()-tailSize:]
		t.buf = *bytes.NewBuffer(append([]byte(nil), b...))
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf.Bytes()
	if len(b) > tailSize {
		b = b[len(b)-tailSize:]
	}
	return string(b)
}
