package cellimports

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A cell is the smallest program a notebook cell of one kind compiles to:
// the imports of the workshop's packages it needs and a body that calls
// what such a cell calls. GoNB wraps a cell's statements in main after
// flag.Parse(), in a module of its own that requires this one.
type cell struct {
	// name says what the cell does; it stays the same when packages move,
	// so that runs of the benchmark before and after compare by name.
	name    string
	imports []string
	body    string
}

// module is the import path of the workshop's module.
const module = "github.com/go-async-workshop/workshop"

// cells are the kinds of cells the notebooks hold, one per package a cell
// imports (plus a cell that imports nothing of the workshop's, as the floor).
var cells = []cell{
	{"fmt only", nil, `fmt.Println("hello")`},
	{"client call", []string{"snippets/videoapi"},
		`c := videoapi.New(""); v, err := c.Video(context.Background(), "x"); fmt.Println(v, err)`},
	{"workload", []string{"snippets/tool/workload"},
		`fmt.Println(workload.Videos()); fmt.Println(workload.ModelWork())`},
	{"timeline log", []string{"snippets/instrument/timeline"},
		`rec := timeline.New(); rec.SetLive(os.Stdout, false); rec.Begin("get video", "a")(); fmt.Println(rec.Summary())`},
	{"measure a run", []string{"snippets/videoapi", "snippets/instrument/measure"},
		`ctx := context.Background(); c := videoapi.New(""); run := measure.Start(ctx, c, "4 in a row", measure.WithProgress("get video", 1))
end := run.Begin("get video", "a"); _, err := c.Video(ctx, "a"); end(); run.Report(); fmt.Println(err)`},
	{"compare runs", []string{"snippets/instrument/measure"},
		`measure.Compare("sync", "attempt", "final")`},
	{"limit sweep", []string{"snippets/videoapi", "snippets/instrument/measure", "snippets/instrument/sweep", "server/gate"},
		`ctx := context.Background(); c := videoapi.New(""); model := gate.Config{Capacity: 10, MinDelay: 200 * time.Millisecond, Step: 100 * time.Millisecond, Scale: 1}
run := measure.Start(ctx, c, "limit 10"); run.Begin("get video", "a")()
sweep.Show("sweep", 10, []sweep.Point{{Limit: 10, Result: run.Result(), Predicted: gate.Predict(model, 100, 10)}})`},
	{"exercise test", []string{"snippets/instrument/exercise"},
		`t := &testing.T{}; exercise.Within(t, time.Second, "hung", func() { fmt.Println(exercise.GoroutinesAtOnce(func() {})) })`},
	{"count a client's requests", []string{"snippets/videoapi", "snippets/instrument/clientcount"},
		`c, sent := clientcount.Count(videoapi.New("")); _, err := c.Video(context.Background(), "a"); fmt.Println(sent.PeakInFlight("video"), err)`},
	{"heartbeat", []string{"snippets/instrument/heartbeat"},
		`fmt.Println(heartbeat.During(20*time.Millisecond, func() { time.Sleep(time.Millisecond) }))`},
	{"content warnings", []string{"snippets/videoapi", "snippets/lesson/contentwarnings"},
		`ctx := context.Background(); c := videoapi.New(""); m := contentwarnings.Model{Work: 0.01}
s := contentwarnings.Steps{Client: c, Model: m}; fmt.Println(s.ProcessVideo(ctx, "a"))`},
	{"subprocess", []string{"snippets/tool/subprocess"},
		`subprocess.Run(func() { panic("boom") })`},
	{"mosaic", []string{"snippets/lesson/mosaic"},
		`img, err := mosaic.Assemble(2, [][]byte{nil, nil}); fmt.Println(img, err)`},
	{"slider", []string{"snippets/tool/slider"},
		`slider.Run("limit", 1, 100, 10, func(limit int) { fmt.Println(limit) })`},
	{"second mock server", []string{"snippets/videoapi", "server/mockserver"},
		`cfg := mockserver.DefaultConfig(); cfg.Addr = "127.0.0.1:0"; cfg.MaxWaiting = 20
srv, err := mockserver.Start(cfg); if err != nil { panic(err) }; defer srv.Stop(context.Background())
fmt.Println(videoapi.New(srv.URL).BaseURL())`},
}

// timedCells are the cells whose build time BenchmarkCellLink reports: the
// floor, the typical cell of the lessons (most of them measure a run), and
// the heaviest one.
var timedCells = []string{"fmt only", "measure a run", "second mock server"}

// buildsPerCell is how many cold links of the typical cell are timed.
const buildsPerCell = 5

// BenchmarkCellLink builds each kind of cell as GoNB builds it (go build of a
// main package, in a module of its own that requires this one through a
// replace directive) and reports, per cell, the packages it links (go list
// -deps) and the size of its binary, with GoNB's default flags and with
// -ldflags=-s -w. For the timedCells it also times a rebuild after an edit
// of the cell (its main package compiles again and the program is linked
// anew; every imported package comes from the build cache), median of
// buildsPerCell. Run it with
//
//	go test ./notebooks/cellimports -run '^$' -bench CellLink -benchtime 1x
//
// The figures are in docs/benchmarks.md; on a shared machine compare the
// rows of one run with each other.
func BenchmarkCellLink(b *testing.B) {
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cells {
		b.Run(strings.ReplaceAll(c.name, " ", "_"), func(b *testing.B) {
			dir := b.TempDir()
			if err := writeCell(dir, root, c, 0); err != nil {
				b.Fatal(err)
			}
			deps, err := goOutput(dir, "list", "-deps", ".")
			if err != nil {
				b.Fatal(err)
			}
			plain, err := buildSize(dir)
			if err != nil {
				b.Fatal(err)
			}
			stripped, err := buildSize(dir, "-ldflags=-s -w")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(strings.Count(deps, "\n")), "deps")
			b.ReportMetric(float64(plain)/1e6, "MB")
			b.ReportMetric(float64(stripped)/1e6, "MB-stripped")
			if slices.Contains(timedCells, c.name) {
				b.ReportMetric(medianBuild(b, dir, root, c).Seconds(), "s/build")
			}
			for range b.N {
				// The figures are the build's, not b.N's: one build per cell.
			}
		})
	}
}

// TestLinkCellsCoverTheCells checks that BenchmarkCellLink has a cell for
// every package of the workshop that a notebook cell imports, and only for
// those.
func TestLinkCellsCoverTheCells(t *testing.T) {
	listed, err := fileImports("cellimports.go")
	if err != nil {
		t.Fatal(err)
	}
	var want, have []string
	for _, imp := range listed {
		if p, ok := strings.CutPrefix(imp, module+"/"); ok {
			want = append(want, p)
		}
	}
	for _, c := range cells {
		have = append(have, c.imports...)
	}
	for _, p := range want {
		if !slices.Contains(have, p) {
			t.Errorf("no cell of BenchmarkCellLink imports %s, which notebook cells import", p)
		}
	}
	for _, p := range have {
		if !slices.Contains(want, p) {
			t.Errorf("a cell of BenchmarkCellLink imports %s, which no notebook cell imports", p)
		}
	}
}

// moduleRoot returns the folder of the workshop's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the workshop's module")
	}
	return filepath.Dir(gomod), nil
}

// writeCell writes c as a GoNB cell's program into dir: main.go, and a
// go.mod that requires the workshop (replaced by root) and every module the
// workshop requires, as the kernel's module holds them once the workshop's
// modules are known; edit is written into a comment, so that successive
// values give successive edits of the cell.
func writeCell(dir, root string, c cell, edit int) error {
	var src strings.Builder
	fmt.Fprintf(&src, "package main\n\nimport (\n\t\"context\"\n\t\"flag\"\n\t\"fmt\"\n\t\"os\"\n\t\"time\"\n")
	for _, imp := range c.imports {
		fmt.Fprintf(&src, "\t%q\n", module+"/"+imp)
	}
	fmt.Fprintf(&src, ")\n\nvar _, _, _, _ = context.Background, fmt.Sprint, os.Exit, time.Now\n\n")
	fmt.Fprintf(&src, "// edit %d\nfunc main() {\n\tflag.Parse()\n%s\n}\n", edit, c.body)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src.String()), 0o644); err != nil {
		return err
	}
	workshopMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return err
	}
	var mod strings.Builder
	fmt.Fprintf(&mod, "module gonb_cell\n\ngo 1.26\n\nrequire %s v0.0.0\n\nreplace %s => %s\n\n", module, module, root)
	_, requires, _ := strings.Cut(string(workshopMod), "\nrequire")
	mod.WriteString("require" + requires)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod.String()), 0o644); err != nil {
		return err
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
}

// goOutput runs the go command in dir and returns its standard output.
func goOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s in %s: %w\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return string(out), nil
}

// buildSize builds the cell in dir with extra flags and returns the size of
// its binary.
func buildSize(dir string, flags ...string) (int64, error) {
	bin := filepath.Join(dir, "cell")
	if _, err := goOutput(dir, append([]string{"build", "-o", bin}, flags...)...); err != nil {
		return 0, err
	}
	st, err := os.Stat(bin)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// medianBuild times buildsPerCell rebuilds of c, each after an edit of the
// cell, and returns the median.
func medianBuild(b *testing.B, dir, root string, c cell) time.Duration {
	var times []time.Duration
	for i := range buildsPerCell {
		if err := writeCell(dir, root, c, i+1); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := goOutput(dir, "build", "-o", filepath.Join(dir, "cell")); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[len(times)/2]
}

// TestPackagesLinkOnlyWhatTheyNeed keeps the packages cells import light:
// none pulls in templating, GoNB's widgets or the server, and the small
// instruments and tools pull in neither the HTTP client nor GoNB at all, so
// that a cell links only what it uses (docs/layout.md).
func TestPackagesLinkOnlyWhatTheyNeed(t *testing.T) {
	heavy := []string{"text/template", "html/template", "github.com/janpfeifer/gonb/gonbui/widgets", "github.com/janpfeifer/gonb/gonbui/dom", module + "/server/mockserver", "github.com/gofiber/fiber/v2"}
	network := []string{"net/http", "github.com/janpfeifer/gonb/gonbui"}
	tests := []struct {
		pkg   string
		never []string
	}{
		{"snippets/videoapi", heavy},
		{"snippets/instrument/measure", heavy},
		{"snippets/instrument/sweep", heavy},
		{"snippets/instrument/display", heavy},
		{"snippets/lesson/contentwarnings", append(slices.Clone(heavy), "github.com/janpfeifer/gonb/gonbui")},
		{"snippets/instrument/timeline", append(slices.Clone(heavy), network...)},
		{"snippets/instrument/heartbeat", append(slices.Clone(heavy), network...)},
		{"snippets/instrument/exercise", append(slices.Clone(heavy), network...)},
		{"snippets/instrument/clientcount", heavy},
		{"snippets/instrument/progress", append(slices.Clone(heavy), network...)},
		{"snippets/instrument/runstore", append(slices.Clone(heavy), network...)},
		{"snippets/instrument/svgplot", append(slices.Clone(heavy), network...)},
		{"snippets/tool/workload", append(slices.Clone(heavy), network...)},
		{"snippets/tool/subprocess", append(slices.Clone(heavy), network...)},
		{"snippets/lesson/mosaic", append(slices.Clone(heavy), network...)},
	}
	for _, tt := range tests {
		out, err := exec.Command("go", "list", "-deps", module+"/"+tt.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", tt.pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, p := range tt.never {
			if slices.Contains(deps, p) {
				t.Errorf("%s depends on %s, which a cell importing it should not link", tt.pkg, p)
			}
		}
	}
}
