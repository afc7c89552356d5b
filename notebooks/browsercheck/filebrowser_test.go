package browsercheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFileBrowserShowsLessons starts JupyterLab as make lab does (on
// notebooks/, with make lab's configuration) and lists its root folder as the
// file browser does: a learner sees the notebooks and their README, not the
// Go packages and tests that check them.
func TestFileBrowserShowsLessons(t *testing.T) {
	if testing.Short() {
		t.Skip("starts JupyterLab; skipped in -short (the fast layer)")
	}
	root := repoRoot(t)
	tl := findTools(t, root)
	nbDir := filepath.Join(root, "notebooks")
	artifacts := filepath.Join(root, "artifacts", "browsercheck")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	lab := startJupyterLab(t, tl, root, nbDir, filepath.Join(artifacts, "filebrowser.jupyterlab.log"), nil)

	body, err := lab.call("GET", "/api/contents/")
	if err != nil {
		t.Fatalf("listing notebooks/ through JupyterLab: %v", err)
	}
	var listing struct {
		Content []struct {
			Name string `json:"name"`
		} `json:"content"`
	}
	if err := json.Unmarshal(body, &listing); err != nil {
		t.Fatalf("JupyterLab's listing: %v\n%.300s", err, body)
	}
	var shown []string
	for _, e := range listing.Content {
		shown = append(shown, e.Name)
	}

	// What a learner should see: every notebook and the README, nothing else.
	want := []string{"README.md"}
	notebooks, err := filepath.Glob(filepath.Join(nbDir, "*.ipynb"))
	if err != nil || len(notebooks) == 0 {
		t.Fatalf("no notebooks in %s: %v", nbDir, err)
	}
	for _, nb := range notebooks {
		want = append(want, filepath.Base(nb))
	}
	slices.Sort(want)
	slices.Sort(shown)
	if !slices.Equal(shown, want) {
		t.Errorf("JupyterLab's file browser shows %s\nwant the notebooks and README.md only: %s\n(hide the checks with %s's hide_globs)",
			strings.Join(shown, ", "), strings.Join(want, ", "), LabConfig)
	}
}
