package notebooks

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
	"github.com/go-async-workshop/workshop/notebooks/kernelclient"
	"github.com/go-async-workshop/workshop/notebooks/nbrun"
)

// TestKernelFastPath runs cells in the GoNB kernel as `make setup`
// installed it, after a notebook's committed first cell, and checks how
// they are built (docs/setup.md, "How cells run"): no `go get` before a
// cell, no debug information in a cell's program, a panic that still names
// the cell's line, and a package from a module the kernel has never seen
// still fetched when a cell imports it.
func TestKernelFastPath(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Jupyter and the GoNB kernel (make setup); skipped in -short (the fast layer)")
	}
	tools, err := nbrun.FindTools("..")
	if err != nil {
		t.Fatal(err)
	}
	nb, err := ipynb.Read("00_start_here.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var link string
	for _, c := range nb.Cells {
		if c.Type == "code" {
			link = c.Source
			break
		}
	}

	// Every go command the kernel runs goes through a wrapper that logs its
	// GOFLAGS and arguments.
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	wrap := t.TempDir()
	goLog := filepath.Join(wrap, "go.log")
	script := "#!/bin/sh\nprintf '%s|%s\\n' \"$GOFLAGS\" \"$*\" >> '" + goLog + "'\nexec '" + realGo + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(wrap, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// A module no cell of the workshop uses, fetched from the module cache
	// as from a proxy: the test stays offline.
	modCache, err := exec.Command(realGo, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	proxy := filepath.Join(strings.TrimSpace(string(modCache)), "cache", "download")
	const newModule = "github.com/fatih/camelcase" // a dependency of gopls (tools.mod)
	if _, err := os.Stat(filepath.Join(proxy, newModule, "@v", "v1.0.0.zip")); err != nil {
		t.Fatalf("%s@v1.0.0 is not in the module cache (%v): run make setup, which builds gopls with it", newModule, err)
	}
	env := append(tools.Env, "PATH="+wrap+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOPROXY=file://"+filepath.ToSlash(proxy), "GOSUMDB=off", "GOFLAGS=")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv, err := kernelclient.Start(ctx, kernelclient.Options{Jupyter: tools.Jupyter, Env: env, Root: "."})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	k, err := srv.Open(ctx, "kernel-fast-path.ipynb", "gonb")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close(context.WithoutCancel(ctx))

	cells := []struct {
		name, code, status string
		want               []string // in the cell's outputs
	}{
		{"the notebooks' first cell", link, "ok", nil},
		{"a cell importing the workshop's packages", `import (
	"golang.org/x/sync/errgroup"

	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

%%
var g errgroup.Group
g.Go(func() error { fmt.Println("api from", videoapi.EnvBaseURL); return nil })
g.Wait()`, "ok", []string{"api from VIDEO_API_URL"}},
		{"a cell that looks at its own program", `import (
	"debug/elf"
	"os"
)

%%
exe, _ := os.Executable()
f, err := elf.Open(exe)
if err != nil {
	fmt.Println("not ELF:", err)
	return
}
fmt.Println("debug info:", f.Section(".debug_info") != nil, "symbol table:", f.Section(".symtab") != nil)`,
			"ok", []string{"debug info: false symbol table: false"}},
		{"a cell that panics on its line 3", "%%\nfmt.Println(\"about to panic\")\npanic(\"cells keep their line numbers\")",
			"error", []string{"panic: cells keep their line numbers", "Line 3 ]]"}},
		{"a cell importing a module the kernel has never seen", `import "` + newModule + `"

%%
fmt.Println(camelcase.Split("CellsAtTheSpeedOfThought"))`, "ok", []string{"[Cells At The Speed Of Thought]"}},
	}
	if runtime.GOOS != "linux" {
		cells = append(cells[:2], cells[3:]...) // cell programs are ELF on Linux only
	}
	// GoNB notes a panic's cell line beside the trace as text ("[[ Cell [4]
	// Line 3 ]]") or, when it renders the error as HTML, in a span ("Cell[4]:
	// Line 3</span>"); which one a run gets is GoNB's choice.
	alsoShown := map[string]string{"Line 3 ]]": "Line 3</span>"}
	for _, c := range cells {
		r, err := k.Execute(ctx, c.code)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		text := r.Text()
		for _, o := range r.Outputs {
			text += string(o.Data["text/html"])
		}
		if r.Status != c.status {
			t.Errorf("%s: status %q, want %q; outputs:\n%s", c.name, r.Status, c.status, text)
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) && (alsoShown[w] == "" || !strings.Contains(text, alsoShown[w])) {
				t.Errorf("%s: the outputs do not show %q:\n%s", c.name, w, text)
			}
		}
	}

	raw, err := os.ReadFile(goLog)
	if err != nil {
		t.Fatalf("the kernel ran no go command through %s: %v", wrap, err)
	}
	builds := 0
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		flags, args, _ := strings.Cut(line, "|")
		switch strings.Fields(args + " ?")[0] {
		case "get":
			t.Errorf("the kernel ran `go %s`: GoNB's go get before each cell should be off (%%noautoget in the first cell)", args)
		case "build":
			builds++
			if !strings.Contains(" "+flags+" ", " -ldflags=-s ") || !strings.Contains(" "+flags+" ", " -mod=mod ") {
				t.Errorf("`go %s` ran with GOFLAGS=%q, want -mod=mod and -ldflags=-s (scripts/gonb_kernel.py; run make setup)", args, flags)
			}
		}
	}
	if builds < len(cells)-1 {
		t.Errorf("the kernel ran go build %d times for %d cells that build:\n%s", builds, len(cells)-1, raw)
	}
}

// TestGoNBKernelScript installs the kernel with scripts/gonb_kernel.py, as
// make setup and the image do, into a folder of its own, and checks the
// kernel it wrote; a gonb that does not exist installs nothing.
func TestGoNBKernelScript(t *testing.T) {
	if testing.Short() {
		t.Skip("needs gonb and Python (make setup); skipped in -short (the fast layer)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	python := filepath.Join(root, ".venv", "bin", "python")
	gonb := filepath.Join(root, ".bin", "gonb")
	for _, p := range []string{python, gonb} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%v: run make setup", err)
		}
	}
	script := filepath.Join(root, "scripts", "gonb_kernel.py")
	data := t.TempDir()
	out, err := exec.Command(python, script, gonb, data, "--force-deps", "--path-prefix", "/opt/tools/bin").CombinedOutput()
	if err != nil {
		t.Fatalf("gonb_kernel.py: %v\n%s", err, out)
	}
	spec, err := os.ReadFile(filepath.Join(data, "kernels", "gonb", "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Argv []string          `json:"argv"`
		Env  map[string]string `json:"env"`
	}
	if err := json.Unmarshal(spec, &k); err != nil {
		t.Fatal(err)
	}
	// GoNB takes a program under /tmp for a passing `go run` build and runs
	// a copy of itself in the kernel's folder instead (a checkout under
	// /tmp has its gonb there).
	want := gonb
	if strings.HasPrefix(gonb, "/tmp/") {
		want = filepath.Join(data, "kernels", "gonb", "gonb")
	}
	if len(k.Argv) < 3 || k.Argv[0] != want || k.Argv[1] != "--kernel" {
		t.Errorf("argv = %q, want %s --kernel {connection_file} ...", k.Argv, want)
	}
	if k.Env["GOFLAGS"] != "-mod=mod -ldflags=-s" || k.Env["PATH"] != "/opt/tools/bin"+string(os.PathListSeparator)+"${PATH}" {
		t.Errorf("env = %v, want GOFLAGS=-mod=mod -ldflags=-s and PATH=/opt/tools/bin:${PATH}", k.Env)
	}

	empty := t.TempDir()
	out, err = exec.Command(python, script, filepath.Join(empty, "no-gonb"), empty).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no-gonb") {
		t.Errorf("installing with a gonb that does not exist: %v\n%s\nwant a failure naming it", err, out)
	}
	if _, err := os.Stat(filepath.Join(empty, "kernels")); !os.IsNotExist(err) {
		t.Errorf("a failed install left %s/kernels behind (%v)", empty, err)
	}
}
