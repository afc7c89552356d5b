//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-async-workshop/workshop/internal/cpustat"
)

// procStat is what /proc/PID/stat says about a process.
type procStat struct {
	PID, PPID int
	Comm      string
	// CPU is the process's user and system time, plus that of the children
	// it has waited for (a kernel waits for its builds and cell programs).
	CPU time.Duration
}

// parseStat reads one /proc/PID/stat line. The command name is in
// parentheses and may itself hold spaces and parentheses.
func parseStat(line string) (procStat, error) {
	open, closing := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		return procStat{}, fmt.Errorf("stat line %.60q: no (comm)", line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return procStat{}, fmt.Errorf("stat line %.60q: pid: %v", line, err)
	}
	// After "(comm) ": state ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime ...
	f := strings.Fields(line[closing+1:])
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("stat line %.60q: %d fields after comm, want 15 or more", line, len(f))
	}
	s := procStat{PID: pid, Comm: line[open+1 : closing]}
	if s.PPID, err = strconv.Atoi(f[1]); err != nil {
		return procStat{}, fmt.Errorf("stat line %.60q: ppid: %v", line, err)
	}
	for _, v := range f[11:15] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("stat line %.60q: times: %v", line, err)
		}
		s.CPU += time.Duration(n) * cpustat.ClockTick
	}
	return s, nil
}

// processes reads every process's stat line. Processes that end while they
// are read are left out.
func processes() (map[int]procStat, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	all := make(map[int]procStat, len(dirs))
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue // it ended
		}
		s, err := parseStat(string(raw))
		if err != nil {
			return nil, err
		}
		all[s.PID] = s
	}
	return all, nil
}

// treeCPU returns the CPU time used so far by process root and every live
// process below it (each with the children it has waited for), and the part
// of it used by processes named comm (e.g. gopls).
func treeCPU(all map[int]procStat, root int, comm string) (total, named time.Duration) {
	children := map[int][]int{}
	for _, s := range all {
		children[s.PPID] = append(children[s.PPID], s.PID)
	}
	var walk func(pid int)
	walk = func(pid int) {
		s, ok := all[pid]
		if !ok {
			return
		}
		total += s.CPU
		if s.Comm == comm {
			named += s.CPU
		}
		for _, c := range children[pid] {
			walk(c)
		}
	}
	walk(root)
	return total, named
}

// findProcess returns the pid of the process whose command line holds arg
// (a kernel names its connection file), or an error if there is none.
func findProcess(arg string) (int, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	want := []byte(arg)
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range bytes.Split(raw, []byte{0}) {
			if bytes.Equal(a, want) {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no process has %q on its command line", arg)
}

// childrenCPU returns the CPU time so far (with what they waited for) of
// the live children of pid whose command name starts with prefix, by pid.
func childrenCPU(pid int, prefix string) map[int]time.Duration {
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		return nil
	}
	out := map[int]time.Duration{}
	for _, t := range tasks {
		raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", t.Name(), "children"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(raw)) {
			stat, err := os.ReadFile(filepath.Join("/proc", f, "stat"))
			if err != nil {
				continue
			}
			if s, err := parseStat(string(stat)); err == nil && strings.HasPrefix(s.Comm, prefix) {
				out[s.PID] = s.CPU
			}
		}
	}
	return out
}
