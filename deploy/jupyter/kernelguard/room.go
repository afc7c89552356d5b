package kernelguard

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// The room moment: the host points every attendee's kernels at one server
// the room shares, and back, without a cell changing. The host writes the
// shared server's URL into a file (the room file); a kernel started while
// it is there gets that URL as $VIDEO_API_URL instead of the attendee's own
// server. Kernels already running keep the server they started with, so a
// kernel restart switches.
const (
	// EnvRoomFile names the room file (unset: no room mode).
	EnvRoomFile = "WORKSHOP_ROOM_FILE"
	// EnvAPIURL is the variable the workshop's client reads its server from.
	EnvAPIURL = "VIDEO_API_URL"
	// maxRoomFile bounds what is read of the room file.
	maxRoomFile = 4 << 10
)

// KernelEnv returns the environment a kernel starts with: environ, with
// $VIDEO_API_URL set to the room's server while the room file names one.
// A room file that is missing or empty leaves environ as it is; one that
// cannot be read or holds no server URL leaves it too, and the returned
// note says why (for the Jupyter server's log).
func KernelEnv(environ []string) (env []string, note string) {
	file := lookup(environ, EnvRoomFile)
	if file == "" {
		return environ, ""
	}
	u, err := readRoomFile(file)
	if err != nil || u == "" {
		if err != nil {
			note = fmt.Sprintf("workshop-kernel: room file %s: %v; this kernel uses its own server", file, err)
		}
		return environ, note
	}
	env = make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, EnvAPIURL+"=") {
			env = append(env, kv)
		}
	}
	return append(env, EnvAPIURL+"="+u), ""
}

// lookup returns the value of name in environ.
func lookup(environ []string, name string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(environ[i], name+"="); ok {
			return v
		}
	}
	return ""
}

// readRoomFile returns the server URL the room file holds, "" if there is
// no file or it is empty.
func readRoomFile(path string) (string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxRoomFile+1))
	if err != nil {
		return "", err
	}
	if len(raw) > maxRoomFile {
		return "", fmt.Errorf("longer than %d bytes", maxRoomFile)
	}
	u := strings.TrimSpace(string(raw))
	if u == "" {
		return "", nil
	}
	return u, validServerURL(u)
}

// validServerURL accepts what the workshop's client dials: unix:///abs/path
// or http://host:port.
func validServerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("%q is not a server URL", s)
	}
	switch {
	case u.Scheme == "unix" && u.Host == "" && filepath.IsAbs(u.Path) && u.RawQuery == "":
		return nil
	case u.Scheme == "http" && u.Hostname() != "" && u.Port() != "" && (u.Path == "" || u.Path == "/") && u.User == nil:
		return nil
	}
	return fmt.Errorf("%q is not unix:///path/to/socket or http://host:port", s)
}
