package runstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// asClone makes this test run as a cell of the notebooks folder of one clone
// of the workshop, for the user whose cache is cache.
func asClone(t *testing.T, cache, notebooks string) {
	t.Helper()
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", filepath.Dir(cache))
	t.Setenv(EnvNotebookDir, notebooks)
}

type run struct {
	Name  string `json:"name"`
	Items int    `json:"items"`
}

func TestClonesAndUsersKeepTheirOwnRuns(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the user cache is found through $XDG_CACHE_HOME on Linux only, not on %s", runtime.GOOS)
	}
	root := t.TempDir()
	alice, bob := filepath.Join(root, "alice", ".cache"), filepath.Join(root, "bob", ".cache")
	clone1, clone2 := filepath.Join(root, "clone1", "notebooks"), filepath.Join(root, "clone2", "notebooks")

	save := func(cache, clone string, r run) {
		t.Helper()
		asClone(t, cache, clone)
		if err := Save(r.Name, r); err != nil {
			t.Fatal(err)
		}
	}
	load := func(cache, clone, name string) (run, error) {
		t.Helper()
		asClone(t, cache, clone)
		var r run
		_, err := Load(name, &r)
		return r, err
	}
	save(alice, clone1, run{"sync", 100})
	if _, err := load(alice, clone2, "sync"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("another clone of the same user sees the run (error %v)", err)
	}
	if _, err := load(bob, clone1, "sync"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("another user sees the run (error %v)", err)
	}
	save(alice, clone2, run{"sync", 20})
	if r, err := load(alice, clone1, "sync"); err != nil || r.Items != 100 {
		t.Errorf("clone 1's run is %+v (%v) after clone 2 kept its own, want 100 items", r, err)
	}
	if r, err := load(alice, clone2, "sync"); err != nil || r.Items != 20 {
		t.Errorf("clone 2's run is %+v (%v), want 20 items", r, err)
	}
	// Notebooks of one folder share their runs.
	asClone(t, alice, clone1)
	d1, _ := Dir()
	asClone(t, alice, clone1+string(filepath.Separator)+".")
	if d2, _ := Dir(); d1 != d2 || !strings.HasPrefix(d1, alice) || !strings.Contains(filepath.Base(d1), "notebooks-") {
		t.Errorf("Dir = %s and %s for one folder, want one folder in the user's cache named after the notebooks folder", d1, d2)
	}
}

func TestSaveAndLoad(t *testing.T) {
	t.Setenv(EnvDir, t.TempDir())
	before := time.Now()
	if err := Save("100 at once", run{"100 at once", 100}); err != nil {
		t.Fatal(err)
	}
	var r run
	saved, err := Load("100 at once", &r)
	if err != nil || r.Items != 100 || saved.Before(before.Add(-time.Second)) {
		t.Errorf("Load = %+v saved %v (%v)", r, saved, err)
	}
	if err := Save("100 at once", run{"100 at once", 20}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("100 at once", &r); err != nil || r.Items != 20 {
		t.Errorf("after a second Save, Load = %+v (%v), want the second run", r, err)
	}
	entries, _ := os.ReadDir(os.Getenv(EnvDir))
	if len(entries) != 1 || entries[0].Name() != "100_at_once.json" {
		t.Errorf("the folder holds %v, want one file", entries)
	}
}

func TestLoadDamagedRun(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	if err := os.WriteFile(filepath.Join(dir, "sync.json"), []byte("{half"), 0o600); err != nil {
		t.Fatal(err)
	}
	var r run
	if _, err := Load("sync", &r); err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `run "sync"`) {
		t.Errorf("Load of a damaged file: %v, want an error naming the run", err)
	}
}

// Without a user cache, runs go to a folder of this user's own in the
// temporary folder; a folder there that others may write to, or a link put
// in its place, is refused.
func TestTemporaryFolderMustBeOwn(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skipf("folder ownership is checked on Unix only, not on %s", runtime.GOOS)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	t.Setenv(EnvNotebookDir, filepath.Join(tmp, "clone", "notebooks"))
	top := filepath.Join(tmp, fmt.Sprintf("go-async-workshop-runs-%d", os.Getuid()))

	if err := Save("sync", run{"sync", 1}); err != nil {
		t.Fatalf("Save in a fresh temporary folder: %v", err)
	}
	if st, err := os.Stat(top); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("%s: %v, %v; want a folder for this user only", top, st, err)
	}

	// Another user of the machine made the folder first, writable by all.
	if err := os.Chmod(top, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := Save("sync", run{"sync", 2}); err == nil || !strings.Contains(err.Error(), "other users may write") {
		t.Errorf("Save into a folder anybody may write to: %v, want a refusal", err)
	}
	os.Chmod(top, 0o700)

	// A link in place of the runs' folder, pointing elsewhere.
	d, _ := Dir()
	os.RemoveAll(d)
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, d); err != nil {
		t.Fatal(err)
	}
	if err := Save("sync", run{"sync", 3}); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("Save through a link: %v, want a refusal", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("Save wrote %v through the link", entries)
	}
}
