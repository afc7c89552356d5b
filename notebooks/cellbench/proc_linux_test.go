//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
)

func TestParseStat(t *testing.T) {
	// A command name with a space and a parenthesis, as the kernel allows.
	line := "4242 (go (build)) S 17 4242 4242 0 -1 4194304 100 0 0 0 250 50 30 20 20 0 9 0 12345 0 0"
	s, err := parseStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if s.PID != 4242 || s.PPID != 17 || s.Comm != "go (build)" || s.CPU != 350*cpustat.ClockTick {
		t.Errorf("parseStat = %+v, want pid 4242, ppid 17, comm \"go (build)\", CPU %v", s, 350*cpustat.ClockTick)
	}
	for _, bad := range []string{"", "12 no-parens S 1", "x (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13", "12 (a) S 1 2"} {
		if _, err := parseStat(bad); err == nil {
			t.Errorf("parseStat accepted %q", bad)
		}
	}
}

// TestTreeCPU: a child that burns CPU and is waited for counts in its
// parent's tree; a live child counts too, and by name.
func TestTreeCPU(t *testing.T) {
	all := map[int]procStat{
		1:  {PID: 1, PPID: 0, Comm: "init", CPU: time.Hour},
		10: {PID: 10, PPID: 1, Comm: "gonb", CPU: 2 * time.Second},
		11: {PID: 11, PPID: 10, Comm: "gopls", CPU: 3 * time.Second},
		12: {PID: 12, PPID: 11, Comm: "go", CPU: time.Second},
		20: {PID: 20, PPID: 1, Comm: "other", CPU: time.Minute},
	}
	total, gopls := treeCPU(all, 10, "gopls")
	if total != 6*time.Second || gopls != 3*time.Second {
		t.Errorf("treeCPU = %v, %v; want 6s in all, 3s gopls", total, gopls)
	}
	if total, _ := treeCPU(all, 99, ""); total != 0 {
		t.Errorf("treeCPU of a process that is gone = %v", total)
	}

	// For real: this process's tree grows by what a waited-for child used.
	before, err := processes()
	if err != nil {
		t.Fatal(err)
	}
	t0, _ := treeCPU(before, os.Getpid(), "")
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	after, err := processes()
	if err != nil {
		t.Fatal(err)
	}
	t1, _ := treeCPU(after, os.Getpid(), "")
	if t1-t0 < 5*cpustat.ClockTick {
		t.Errorf("after a child's busy loop the tree's CPU grew by %v only", t1-t0)
	}
}

func TestFindProcess(t *testing.T) {
	marker := "cellbench-marker-" + strconv.Itoa(os.Getpid())
	// sh -c keeps the marker on its command line ($0), unused; a loop, so
	// that sh stays itself instead of becoming its last command.
	cmd := exec.Command("sh", "-c", "while :; do sleep 0.1; done", marker)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The child shows its own command line once its exec is done.
	pid, err := findProcess(marker)
	for deadline := time.Now().Add(5 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		pid, err = findProcess(marker)
	}
	if err != nil || pid != cmd.Process.Pid {
		t.Errorf("findProcess = %d, %v; want %d", pid, err, cmd.Process.Pid)
	}
	if _, err := findProcess(marker + "-nobody"); err == nil {
		t.Error("findProcess found a process for an argument nobody has")
	}
}

// TestWatchProgram: a child named like a cell's program (gonb_ID) that
// burns CPU is seen, other children are not.
func TestWatchProgram(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(sh)
	if err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(t.TempDir(), "gonb_cafe1234")
	if err := os.WriteFile(prog, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	stop, total := make(chan struct{}), make(chan programUse)
	go watchProgram(os.Getpid(), stop, total)
	other := exec.Command(sh, "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done")
	if err := other.Run(); err != nil {
		t.Fatal(err)
	}
	busy := exec.Command(prog, "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")
	if err := busy.Run(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	got := <-total
	if got.CPU < 5*cpustat.ClockTick || got.Wall < got.CPU/2 {
		t.Errorf("watchProgram saw %+v of a busy gonb_ child", got)
	}
}
