// Package runstore keeps the figures of measured runs, so that a later cell,
// or another notebook of the same folder, can compare them with its own.
//
// Runs are kept per notebooks folder and per user, never shared: a clone of
// the workshop does not see another clone's runs, and an attendee of a class
// on one machine does not see another attendee's. The folder is
//
//	$WORKSHOP_RUNS_DIR, when set;
//	else <user cache>/go-async-workshop/runs/<notebooks folder>-<hash>,
//
// where the user cache is the user's own (os.UserCacheDir: ~/.cache on
// Linux), the notebooks folder is the notebook's ($GONB_DIR in a GoNB cell)
// or the working folder of a program, and the hash is of its absolute path.
// Without a user cache the folder is under the temporary folder, in a folder
// of the user's own that Dir refuses to use if anybody else could write to it.
package runstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Environment variables Dir reads.
const (
	// EnvDir, when set, is the folder where runs are kept.
	EnvDir = "WORKSHOP_RUNS_DIR"
	// EnvNotebookDir is set by GoNB for a cell's program: the folder of the
	// notebook it runs for.
	EnvNotebookDir = "GONB_DIR"
)

// Dir returns the folder where this program keeps runs. It creates nothing.
func Dir() (string, error) {
	if d := strings.TrimSpace(os.Getenv(EnvDir)); d != "" {
		return d, nil
	}
	folder, err := notebooksFolder()
	if err != nil {
		return "", err
	}
	h := fnv.New64a() // a name, not a secret: the folder's path tells it anyway
	h.Write([]byte(folder))
	leaf := fmt.Sprintf("%s-%016x", slug(filepath.Base(folder)), h.Sum64())
	if cache, err := os.UserCacheDir(); err == nil {
		return filepath.Join(cache, "go-async-workshop", "runs", leaf), nil
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("go-async-workshop-runs-%d", os.Getuid()), leaf), nil
}

// notebooksFolder returns the absolute path of the folder whose runs are
// kept together.
func notebooksFolder() (string, error) {
	folder := strings.TrimSpace(os.Getenv(EnvNotebookDir))
	if folder == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("runstore: no notebook folder and no working folder: %w", err)
		}
		folder = wd
	}
	abs, err := filepath.Abs(folder)
	if err != nil {
		return "", fmt.Errorf("runstore: %w", err)
	}
	return filepath.Clean(abs), nil
}

// record is a run as stored.
type record struct {
	SavedAt time.Time       `json:"saved_at"`
	Run     json.RawMessage `json:"run"`
}

// Save keeps run, encoded as JSON, under name, replacing the run kept under
// that name before. A reader never sees a half-written file.
func Save(name string, run any) error {
	dir, err := Dir()
	if err != nil {
		return err
	}
	data, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("runstore: %q: %w", name, err)
	}
	data, err = json.Marshal(record{time.Now(), data})
	if err != nil {
		return err
	}
	if err := makeOwnDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".saving-*")
	if err != nil {
		return fmt.Errorf("runstore: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("runstore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("runstore: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, fileName(name))); err != nil {
		return fmt.Errorf("runstore: %w", err)
	}
	return nil
}

// Load decodes the run kept under name into run and returns when it was
// saved. The error wraps fs.ErrNotExist when no run of that name is kept.
func Load(name string, run any) (saved time.Time, err error) {
	dir, err := Dir()
	if err != nil {
		return time.Time{}, err
	}
	data, err := os.ReadFile(filepath.Join(dir, fileName(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, fmt.Errorf("runstore: no run %q kept in %s: %w", name, dir, fs.ErrNotExist)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("runstore: %w", err)
	}
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return time.Time{}, fmt.Errorf("runstore: run %q: %w", name, err)
	}
	if err := json.Unmarshal(r.Run, run); err != nil {
		return time.Time{}, fmt.Errorf("runstore: run %q: %w", name, err)
	}
	return r.SavedAt, nil
}

// fileName turns a run's name into a file name: lower-case letters and
// digits, every other character an underscore.
func fileName(name string) string {
	return slug(name) + ".json"
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	return b.String()
}
