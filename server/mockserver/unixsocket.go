package mockserver

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// UnixScheme starts an address that is a Unix socket rather than host:port:
// "unix:/path/to/video.sock" (or "unix:///path/to/video.sock", the URL form
// clients take in VIDEO_API_URL). A socket in a private folder is reachable
// by its owner alone, which is how the one-machine classroom gives every
// attendee a server no other attendee can reach.
const UnixScheme = "unix:"

// SocketMode is the permission of the socket file: its owner only.
const SocketMode fs.FileMode = 0o600

// SharedSocketMode is the permission of a socket with a group (Config's
// SocketGroup): its owner and the group's members.
const SharedSocketMode fs.FileMode = 0o660

// UnixSocketPath returns the socket path of a "unix:" address and true, or
// "" and false for any other address.
func UnixSocketPath(addr string) (string, bool) {
	rest, ok := strings.CutPrefix(addr, UnixScheme)
	if !ok {
		return "", false
	}
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:] // unix:///abs/path
	}
	return rest, true
}

// validUnixSocket reports what is wrong with a socket path, if anything.
func validUnixSocket(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("unix socket %q: want an absolute path (unix:/path/to/video.sock)", path)
	}
	// Linux's sockaddr_un holds 108 bytes, the final NUL included.
	if len(path) > 107 {
		return fmt.Errorf("unix socket %q: longer than the 107 bytes a socket path may have", path)
	}
	return nil
}

// listen opens addr: a TCP host:port, or a Unix socket (see UnixScheme),
// which only the server's own user may connect to, and the members of
// group if it is not "". A socket file left by a server that died is
// replaced; any other file at the path is an error.
func listen(addr, group string) (net.Listener, string, error) {
	path, ok := UnixSocketPath(addr)
	if !ok {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, "", err
		}
		return ln, "http://" + ln.Addr().String(), nil
	}
	if err := validUnixSocket(path); err != nil {
		return nil, "", err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, "", fmt.Errorf("unix socket %s: a file that is not a socket is in the way", path)
		}
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, "", fmt.Errorf("unix socket %s: another server answers there", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, "", err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, "", err
	}
	if err := shareSocket(path, group); err != nil {
		ln.Close()
		return nil, "", err
	}
	return ln, "unix://" + path, nil
}

// shareSocket gives the socket at path its mode: SocketMode, or with a
// group, that group and SharedSocketMode.
func shareSocket(path, group string) error {
	if group == "" {
		return os.Chmod(path, SocketMode)
	}
	gid, err := lookupGroup(group)
	if err != nil {
		return err
	}
	if err := os.Chown(path, -1, gid); err != nil {
		return fmt.Errorf("unix socket %s: giving it to group %s: %w", path, group, err)
	}
	return os.Chmod(path, SharedSocketMode)
}

// lookupGroup returns the id of a group given by name or number.
func lookupGroup(group string) (int, error) {
	g, err := user.LookupGroup(group)
	if err != nil {
		if g, err = user.LookupGroupId(group); err != nil {
			return 0, fmt.Errorf("socket group %q: no such group", group)
		}
	}
	return strconv.Atoi(g.Gid)
}
