package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// What an attendee runs: the server and everything under snippets/ (the
// cells' packages, the programs). Whatever of internal/ they do not import
// is the tests' and the scripts' own, and stays out of the attendee's copy.
var shipped = []string{"./server/...", "./snippets/..."}

// testOnlyInternal returns the folders of internal/ (as "internal/name")
// that no shipped package imports, directly or not, and those it imports.
func testOnlyInternal(t *testing.T) (testOnly, needed []string) {
	t.Helper()
	root := repoRoot(t)
	cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, shipped...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %v: %v", shipped, err)
	}
	deps := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		if _, rest, ok := strings.Cut(p, "/internal/"); ok && !strings.Contains(rest, "/") {
			deps["internal/"+rest] = true
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, "internal"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if name := "internal/" + e.Name(); deps[name] {
			needed = append(needed, name)
		} else {
			testOnly = append(testOnly, name)
		}
	}
	if len(needed) == 0 || len(testOnly) == 0 {
		t.Fatalf("internal/: %v needed, %v for the tests only: want some of each (is go list's output read right?)", needed, testOnly)
	}
	return testOnly, needed
}

// TestTestToolsLeftOut: the internal packages only the tests and scripts
// use are left out of the image's build context (the .dockerignore beside
// each Dockerfile) and of the attendee's copy of the workshop (the start
// mechanism's SKIP_PATHS, which the classroom's share uses too), and none
// that a shipped package needs is left out: the image would not build.
func TestTestToolsLeftOut(t *testing.T) {
	root := repoRoot(t)
	testOnly, needed := testOnlyInternal(t)

	lists := map[string][]string{}
	for _, f := range []string{Dockerfile + ".dockerignore", BinderDockerfile + ".dockerignore"} {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(raw), "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "internal/") {
				lists[f] = append(lists[f], strings.TrimSuffix(l, "/"))
			}
		}
	}
	const starter = "deploy/jupyter/workshop_videoserver.py"
	raw, err := os.ReadFile(filepath.Join(root, starter))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`os\.path\.join\("internal", "([\w-]+)"\)`).FindAllStringSubmatch(string(raw), -1) {
		lists[starter] = append(lists[starter], "internal/"+m[1])
	}

	for _, f := range []string{Dockerfile + ".dockerignore", BinderDockerfile + ".dockerignore", starter} {
		for _, p := range testOnly {
			if !slices.Contains(lists[f], p) {
				t.Errorf("%s does not leave out %s, which only the tests and scripts use", f, p)
			}
		}
		for _, p := range lists[f] {
			if slices.Contains(needed, p) {
				t.Errorf("%s leaves out %s, which the server or snippets/ import", f, p)
			}
		}
	}
}
