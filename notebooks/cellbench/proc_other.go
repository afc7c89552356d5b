//go:build !linux

package main

import (
	"errors"
	"time"
)

// errNoProc: the benchmark reads CPU times from Linux's /proc.
var errNoProc = errors.New("cellbench reads CPU times from /proc: it runs on Linux only")

type procStat struct {
	PID, PPID int
	Comm      string
	CPU       time.Duration
}

func processes() (map[int]procStat, error) { return nil, errNoProc }

func treeCPU(all map[int]procStat, root int, comm string) (total, named time.Duration) { return 0, 0 }

func findProcess(arg string) (int, error) { return 0, errNoProc }

func childrenCPU(pid int, prefix string) map[int]time.Duration { return nil }
