//go:build !unix

package runstore

import (
	"fmt"
	"os"
)

// makeOwnDir creates dir (and its parents) for this user alone. Ownership is
// not checked here: this system's folders are not read the Unix way.
func makeOwnDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("runstore: %w", err)
	}
	return nil
}
