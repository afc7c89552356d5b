// Package deploy holds the workshop's single-user image (Dockerfile), its
// start mechanism (jupyter/), the Zero to JupyterHub configuration
// (jupyterhub/) and the one-machine classroom hub (classroom/). No Docker
// engine runs where the project is tested, so the image is checked by
// hadolint and by reading its files, and its start mechanism is run for real
// with the same Jupyter server the image installs.
package deploy

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/composefile"
)

// The files under test, relative to the repository root.
const (
	Dockerfile       = "deploy/Dockerfile"
	BinderDockerfile = "binder/Dockerfile" // where repo2docker (Binder) looks
	BaseImage        = "janpfeifer/gonb_jupyterlab"
	setupHint        = "run `make setup` in the repository root (it installs hadolint into .venv/)"
)

// repoRoot returns the repository root: go test runs in deploy/.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestDockerfileLint runs hadolint on the image's Dockerfile, and on a
// Dockerfile with known mistakes to show the linter does report them.
func TestDockerfileLint(t *testing.T) {
	if testing.Short() {
		t.Skip("hadolint is installed by make setup; skipped in -short (the fast layer)")
	}
	root := repoRoot(t)
	hadolint := filepath.Join(root, ".venv", "bin", "hadolint")
	if _, err := os.Stat(hadolint); err != nil {
		t.Fatalf("hadolint not found at %s: %s", hadolint, setupHint)
	}
	out, err := exec.Command(hadolint, "--no-color", filepath.Join(root, Dockerfile)).CombinedOutput()
	if err != nil {
		t.Errorf("hadolint %s: %v\n%s", Dockerfile, err, out)
	}
	bad := filepath.Join(t.TempDir(), "Dockerfile")
	if err := os.WriteFile(bad, []byte("FROM debian:latest\nRUN apt-get install curl\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(hadolint, "--no-color", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "DL3007") || !strings.Contains(string(out), "DL3008") {
		t.Errorf("hadolint passed a Dockerfile using :latest and unpinned apt packages (exit %v):\n%s", err, out)
	}
}

// TestBinderBuildsTheImage: Binder builds binder/Dockerfile, which must be
// the image's Dockerfile itself, so that Binder runs what the hub runs.
func TestBinderBuildsTheImage(t *testing.T) {
	root := repoRoot(t)
	a, err := os.ReadFile(filepath.Join(root, Dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, BinderDockerfile))
	if err != nil {
		t.Fatalf("%v (repo2docker, behind Binder, looks for %s)", err, BinderDockerfile)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("%s differs from %s: copy it (cp %s %s)", BinderDockerfile, Dockerfile, Dockerfile, BinderDockerfile)
	}
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd  string // upper case: FROM, RUN, COPY, USER, ...
	Args string
	Line int
}

// parseDockerfile reads the instructions of a Dockerfile. It knows comments,
// line continuations and heredoc-free instructions: enough for this image.
func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var all []instruction
	var cur strings.Builder
	start, n := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = n
		}
		more := strings.HasSuffix(line, "\\")
		cur.WriteString(strings.TrimSuffix(line, "\\"))
		cur.WriteString(" ")
		if !more {
			cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
			all = append(all, instruction{strings.ToUpper(cmd), strings.TrimSpace(args), start})
			cur.Reset()
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return all
}

// TestDockerfile checks what the image promises: GoNB's image at the pinned
// GoNB version as its base, a non-root user, every copied file present, and
// the pinned Python requirements installed.
func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	ins := parseDockerfile(t, filepath.Join(root, Dockerfile))

	raw, err := os.ReadFile(filepath.Join(root, "tools.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// tools.mod requires gonb once, as "github.com/janpfeifer/gonb vX.Y.Z".
	m := regexp.MustCompile(`(?m)^\s*github\.com/janpfeifer/gonb (v[0-9][^\s]*)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("tools.mod does not require github.com/janpfeifer/gonb")
	}
	gonb := string(m[1])

	var froms []string
	args := map[string]string{}
	user := ""
	for _, in := range ins {
		switch in.Cmd {
		case "FROM":
			froms = append(froms, strings.Fields(in.Args)[0])
		case "ARG":
			if k, v, ok := strings.Cut(in.Args, "="); ok {
				args[k] = v
			}
		case "USER":
			user = in.Args
		case "COPY":
			checkCopySources(t, root, in)
		}
	}
	if len(froms) == 0 {
		t.Fatal("no FROM")
	}
	if want := BaseImage + ":" + gonb; froms[len(froms)-1] != want {
		t.Errorf("the image is based on %s, want %s (GoNB's published image at the gonb version of tools.mod)", froms[len(froms)-1], want)
	}
	// The user the image runs as: a number, not root.
	if m := regexp.MustCompile(`^\$\{?(\w+)\}?$`).FindStringSubmatch(user); m != nil {
		user = args[m[1]]
	}
	if user == "" || user == "0" || user == "root" || strings.Trim(user, "0123456789") != "" {
		t.Errorf("the image runs as user %q, want a numeric non-root user", user)
	}
	runs := ""
	for _, in := range ins {
		if in.Cmd == "RUN" {
			runs += in.Args + "\n"
		}
	}
	for _, want := range []string{"requirements.txt", "requirements-deploy.txt", "--no-cache-dir"} {
		if !strings.Contains(runs, want) {
			t.Errorf("no RUN instruction mentions %s: the pinned Python requirements must be installed", want)
		}
	}
}

// checkCopySources fails for a COPY from the build context whose source does
// not exist in the repository.
func checkCopySources(t *testing.T, root string, in instruction) {
	t.Helper()
	fields := strings.Fields(in.Args)
	var srcs []string
	for _, f := range fields[:len(fields)-1] {
		if strings.HasPrefix(f, "--from=") {
			return // from another stage
		}
		if !strings.HasPrefix(f, "--") {
			srcs = append(srcs, f)
		}
	}
	for _, s := range srcs {
		matches, err := filepath.Glob(filepath.Join(root, s))
		if err != nil || len(matches) == 0 {
			t.Errorf("%s:%d COPY %s: no such file in the repository", Dockerfile, in.Line, s)
		}
	}
}

// TestRequirementsPinned: every package the image and the classroom hub add
// is pinned to an exact version that agrees with requirements.txt.
func TestRequirementsPinned(t *testing.T) {
	root := repoRoot(t)
	base := readPins(t, filepath.Join(root, "requirements.txt"))
	extra := readPins(t, filepath.Join(root, "deploy", "requirements.txt"))
	for _, name := range []string{"jupyterhub", "jupyter-server-proxy"} {
		if extra[name] == "" {
			t.Errorf("deploy/requirements.txt does not pin %s", name)
		}
	}
	for name, v := range extra {
		if b, ok := base[name]; ok && b != v {
			t.Errorf("%s is pinned to %s in deploy/requirements.txt but %s in requirements.txt", name, v, b)
		}
	}
}

// readPins reads "name==version" lines, failing on any other requirement.
func readPins(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pins := map[string]string{}
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, v, ok := strings.Cut(line, "==")
		if !ok || v == "" || strings.ContainsAny(v, "<>=!~* ") {
			t.Errorf("%s:%d: %q is not pinned to an exact version (name==version)", path, i+1, line)
			continue
		}
		// Python package names compare case-insensitively, with - and _ alike.
		pins[strings.ReplaceAll(strings.ToLower(name), "_", "-")] = v
	}
	return pins
}

// TestComposeLab: docker compose's lab service builds and runs the image.
func TestComposeLab(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compose file loader that make setup builds; skipped in -short")
	}
	root := repoRoot(t)
	project, err := composefile.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	lab, ok := project.Services["lab"]
	if !ok {
		t.Fatal(`no service "lab"`)
	}
	if lab.Build == nil || lab.Build.Dockerfile != Dockerfile || lab.Build.Context != root {
		t.Errorf("lab build %+v, want %s with the repository as context", lab.Build, Dockerfile)
	}
	if !slices.Contains(lab.Ports, composefile.Port{HostIP: "127.0.0.1", Target: 8888, Published: "8888", Protocol: "tcp"}) {
		t.Errorf("lab publishes %+v, want 127.0.0.1:8888:8888", lab.Ports)
	}
	if !slices.ContainsFunc(lab.Volumes, func(v composefile.Volume) bool { return v.Target == "/home/jovyan" }) {
		t.Errorf("lab volumes %+v, want the attendee's home kept in a volume", lab.Volumes)
	}
	// The image starts its own mock server; a VIDEO_API_URL pointing
	// elsewhere would bypass it.
	if u, ok := lab.Environment["VIDEO_API_URL"]; ok {
		t.Errorf("lab sets VIDEO_API_URL=%v: the image's own server must be used", u)
	}
	if len(lab.DependsOn) != 0 {
		t.Errorf("lab depends on %v: it needs no other service", lab.DependsOn)
	}
}

// TestImageKernel: the image installs the GoNB kernel with the script make
// setup uses (scripts/gonb_kernel.py), so that cells are built the same way
// in the image as on a laptop, never with a bare `gonb --install`, and
// started through workshop-kernel, as in the classroom.
func TestImageKernel(t *testing.T) {
	root := repoRoot(t)
	copied, ran, guarded := false, false, false
	for _, in := range parseDockerfile(t, filepath.Join(root, Dockerfile)) {
		switch in.Cmd {
		case "COPY":
			copied = copied || strings.HasPrefix(in.Args, "scripts/gonb_kernel.py ")
		case "RUN":
			if regexp.MustCompile(`gonb\s+-?-install`).MatchString(in.Args) {
				t.Errorf("%s:%d runs gonb --install itself: install the kernel with scripts/gonb_kernel.py, as make setup does", Dockerfile, in.Line)
			}
			ran = ran || regexp.MustCompile(`python3 \S*gonb_kernel\.py /usr/local/bin/gonb /usr/local/share/jupyter\b`).MatchString(in.Args)
			guarded = guarded || strings.Contains(in.Args, "--guard /usr/local/bin/workshop-kernel --gopls /usr/local/bin/gopls --path-prefix /usr/local/lib/workshop-kernel") &&
				strings.Contains(in.Args, "ln -s /usr/local/bin/workshop-kernel /usr/local/lib/workshop-kernel/gopls")
		}
	}
	if !copied || !ran {
		t.Errorf("%s does not install the kernel with scripts/gonb_kernel.py (copied: %v, run into /usr/local/share/jupyter: %v)", Dockerfile, copied, ran)
	}
	if !guarded {
		t.Errorf("%s does not start the kernel through workshop-kernel with its gopls wrapper first on the kernel's PATH", Dockerfile)
	}
}
