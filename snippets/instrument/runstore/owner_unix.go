//go:build unix

package runstore

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// makeOwnDir creates dir (and its parents) for this user alone, and checks
// that nobody else could have put it there: dir, and its parent when that
// is in the shared temporary folder, must be folders (not links) owned by
// this user that no other user may write to. Otherwise another user of the
// machine could read or change this user's runs.
func makeOwnDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("runstore: %w", err)
	}
	check := []string{dir}
	if parent := filepath.Dir(dir); strings.HasPrefix(parent, filepath.Clean(os.TempDir())+string(filepath.Separator)) {
		check = append(check, parent)
	}
	for _, d := range check {
		st, err := os.Lstat(d)
		if err != nil {
			return fmt.Errorf("runstore: %w", err)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		switch {
		case !st.IsDir():
			return fmt.Errorf("runstore: %s is not a folder (a link?): refusing to keep runs there", d)
		case !ok || int(sys.Uid) != os.Getuid():
			return fmt.Errorf("runstore: %s belongs to another user: refusing to keep runs there", d)
		case st.Mode().Perm()&0o022 != 0:
			return fmt.Errorf("runstore: other users may write to %s (mode %v): refusing to keep runs there", d, st.Mode().Perm())
		}
	}
	return nil
}
