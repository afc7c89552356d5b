package subprocess

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/internal/leakcheck"
)

// The copies of this test binary that Run starts run one test function,
// without the test timeout's timer (a pending timer would keep the runtime
// from noticing a deadlock).
func runIn(t *testing.T) {
	t.Helper()
	old := childArgs
	calls.Store(0) // a copy counts the calls of its one test from 1
	childArgs = func() []string { return []string{"-test.run=^" + t.Name() + "$", "-test.timeout=0"} }
	oldOut := stdout
	var out strings.Builder
	stdout = &out
	t.Cleanup(func() {
		childArgs, stdout = old, oldOut
		if t.Failed() {
			t.Logf("Run printed:\n%s", out.String())
		}
	})
}

func TestRunDeadlock(t *testing.T) {
	if raceEnabled {
		// A program built with -race cannot notice a deadlock
		// (golang.org/issue/20588): its copy would hang until Timeout. So
		// this test runs in this package's test binary built without it.
		runWithoutRace(t)
		return
	}
	runIn(t)
	fmt.Println("printed before Run: not part of the outcome")
	o := Run(func() {
		ch := make(chan int)
		ch <- 1
	})
	if inChild() {
		t.Fatal("the copy went on after its function")
	}
	if o.ExitCode != ExitCrash || !strings.Contains(o.Output, "all goroutines are asleep - deadlock!") {
		t.Errorf("outcome %+v, want exit status 2 and the deadlock message", o)
	}
	if strings.Contains(o.Output, "printed before Run") {
		t.Errorf("the output holds what the copy printed before reaching Run:\n%s", o.Output)
	}
	if !strings.Contains(o.Output, "subprocess_test.go:") || strings.Contains(o.Output, "+0x") {
		t.Errorf("the frames are not cleaned:\n%s", o.Output)
	}
}

func TestRunPanicInGoroutine(t *testing.T) {
	runIn(t)
	o := Run(func() {
		done := make(chan struct{})
		go func() {
			var ids []string
			_ = ids[3] // index out of range
			close(done)
		}()
		<-done
		fmt.Println("never printed")
	})
	if o.ExitCode != ExitCrash || !strings.Contains(o.Output, "panic: runtime error: index out of range [3] with length 0") {
		t.Errorf("outcome %+v, want exit status 2 and the panic", o)
	}
	if strings.Contains(o.Output, "never printed") {
		t.Error("the program went on after the panic")
	}
}

func TestRunToTheEnd(t *testing.T) {
	runIn(t)
	o := Run(func() { fmt.Println("hello"); fmt.Fprintln(os.Stderr, "on stderr") })
	if o.ExitCode != 0 || o.TimedOut || o.Output != "hello\non stderr\n" {
		t.Errorf("outcome %+v, want exit status 0 and both lines in order", o)
	}
	if want := "A separate process printed:\n  | hello\n  | on stderr\nIt ran to the end (exit status 0).\n"; o.String() != want {
		t.Errorf("String() = %q, want %q", o.String(), want)
	}
}

func TestRunSecondCall(t *testing.T) {
	runIn(t)
	first := Run(func() { fmt.Println("first") })
	second := Run(func() { fmt.Println("second") })
	if first.Output != "first\n" || second.Output != "second\n" {
		t.Errorf("outputs %q and %q, want each call to run its own function", first.Output, second.Output)
	}
}

func TestRunDataRace(t *testing.T) {
	if !raceEnabled {
		t.Skip("needs the race detector: go test -race")
	}
	runIn(t)
	o := Run(func() {
		views := 0
		done := make(chan bool)
		for range 3 {
			go func() {
				views++
				done <- true
			}()
		}
		for range 3 {
			<-done
		}
		fmt.Println("views:", views)
	})
	if o.ExitCode != ExitRace || !strings.Contains(o.Output, "WARNING: DATA RACE") || !strings.Contains(o.Output, "views: ") {
		t.Errorf("outcome %+v, want a race report, the program's line and exit status 66", o)
	}
	if n := strings.Count(o.Output, "WARNING: DATA RACE"); n != 1 {
		t.Errorf("%d race reports shown, want the first only", n)
	}
	if strings.Contains(o.Output, ".Run(") {
		t.Errorf("the report shows Run's own frames:\n%s", o.Output)
	}
}

func inChild() bool { return os.Getenv(EnvCall) != "" }

func TestClean(t *testing.T) {
	std := stdSrc()
	if std == "" {
		t.Fatal("stdSrc found no standard library folder in a test binary")
	}
	dir := t.TempDir()
	mainGo := filepath.Join(dir, "main.go")
	if err := os.WriteFile(mainGo, []byte("package main\n\nfunc main() {\n\tviews++ // the racy line\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, in, want string }{
		{"standard library", "  sync.(*WaitGroup).Go()\n      " + std + "sync/waitgroup.go:239 +0x5d",
			"  sync.(*WaitGroup).Go()\n      sync/waitgroup.go:239"},
		{"module cache", "golang.org/x/sync/errgroup.(*Group).Go.func1()\n\t/root/go/pkg/mod/golang.org/x/sync@v0.24.0/errgroup/errgroup.go:93 +0x7c",
			"golang.org/x/sync/errgroup.(*Group).Go.func1()\n\tgolang.org/x/sync@v0.24.0/errgroup/errgroup.go:93"},
		{"main with source", "main.main.func1()\n\t" + mainGo + ":4 +0x2e",
			"main.main.func1()\n\tmain.go:4  views++ // the racy line"},
		{"created by main", "created by main.main in goroutine 1\n\t" + mainGo + ":3 +0x1a",
			"created by main.main in goroutine 1\n\tmain.go:3  func main() {"},
		{"main, file gone", "main.main()\n\t/tmp/gonb_1234/main.go:40 +0x2e", "main.main()\n\tmain.go:40"},
		{"other package, no source", "example.com/x.F()\n\t" + mainGo + ":4", "example.com/x.F()\n\tmain.go:4"},
		{"trimpath standard library", "  sync.(*WaitGroup).Go()\n      sync/waitgroup.go:239 +0x5d",
			"  sync.(*WaitGroup).Go()\n      sync/waitgroup.go:239"},
		{"path inside a message", "open /tmp/gonb_1234/main.go: no such file", "open main.go: no such file"},
		{"URL untouched", "GET http://127.0.0.1:8000/videos/x.go: 404", "GET http://127.0.0.1:8000/videos/x.go: 404"},
		{"Run's frames left out", "main.main.func1()\n\tmain.go:9\n" + ownPackage + "Run(0x538af8)\n\tsubprocess.go:88 +0x1c\nmain.main()\n\tmain.go:8",
			"main.main.func1()\n\tmain.go:9\nmain.main()\n\tmain.go:8"},
		{"race reports after the first left out", "views: 3\n==================\nWARNING: DATA RACE\nRead at 0x1 by goroutine 8:\n==================\n==================\nWARNING: DATA RACE\nWrite at 0x1 by goroutine 9:\n==================\n==================\nWARNING: DATA RACE\nWrite at 0x2 by goroutine 7:\n==================\nFound 3 data race(s)",
			"views: 3\n==================\nWARNING: DATA RACE\nRead at 0x1 by goroutine 8:\n==================\n(2 more data race reports left out)\nFound 3 data race(s)"},
		{"plain lines untouched", "WARNING: DATA RACE\nRead at 0x00c000012345 by goroutine 8:\n\ngoroutine 1 [chan send]:",
			"WARNING: DATA RACE\nRead at 0x00c000012345 by goroutine 8:\n\ngoroutine 1 [chan send]:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTrimpathMainModule(t *testing.T) {
	mod := mainModule()
	if mod == "" {
		t.Skip("no build information in this test binary")
	}
	if got := shortPath(mod + "/snippets/tool/subprocess/subprocess.go"); got != "snippets/tool/subprocess/subprocess.go" {
		t.Errorf("shortPath = %q, want the path inside the main module", got)
	}
}

func TestEnding(t *testing.T) {
	tests := []struct {
		o    Outcome
		want string
	}{
		{Outcome{ExitCode: 0}, "ran to the end"},
		{Outcome{ExitCode: 2}, "stopped by Go's runtime"},
		{Outcome{ExitCode: 66}, "race detector found a data race"},
		{Outcome{ExitCode: 3}, "exit status 3"},
		{Outcome{TimedOut: true, ExitCode: -1}, "did not end within"},
	}
	for _, tt := range tests {
		if got := tt.o.Ending(); !strings.Contains(got, tt.want) {
			t.Errorf("%+v.Ending() = %q, want it to say %q", tt.o, got, tt.want)
		}
	}
}

func TestChildEnv(t *testing.T) {
	got := childEnv([]string{"PATH=/bin", "GONB_PIPE=/tmp/p", "GONB_PIPE_BACK=/tmp/q", EnvCall + "=3", "GORACE=halt_on_error=1", "GONB_DIR=/x"})
	want := []string{"PATH=/bin", "GONB_DIR=/x"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("childEnv = %v, want %v", got, want)
	}
}

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

func TestRaceOptions(t *testing.T) {
	tests := []struct{ env, want string }{
		{"", "GORACE=atexit_sleep_ms=0"},
		{"halt_on_error=1", "GORACE=halt_on_error=1 atexit_sleep_ms=0"},
		{"atexit_sleep_ms=50", "GORACE=atexit_sleep_ms=50"},
	}
	for _, tt := range tests {
		t.Setenv("GORACE", tt.env)
		if got := raceOptions(); got != tt.want {
			t.Errorf("GORACE=%q: raceOptions() = %q, want %q", tt.env, got, tt.want)
		}
	}
}

// runWithoutRace builds this package's tests without the race detector and
// runs the calling test there, failing with its output if it fails.
func runWithoutRace(t *testing.T) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "subprocess.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // and without cgo, which hides deadlocks too
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the tests without -race: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("%s without -race: %v\n%s", t.Name(), err, out)
	}
}
