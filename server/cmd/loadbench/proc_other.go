//go:build !linux

package main

// cpuStat is the system-wide CPU time counters, which only Linux's
// /proc/stat gives here.
type cpuStat struct{ total, steal uint64 }

// readCPUStat reports that there are no system-wide counters to read, so the
// report leaves the stolen-CPU line out.
func readCPUStat() (st cpuStat, ok bool) { return st, false }

// loadAverage returns "unknown": the load average is read from Linux's /proc.
func loadAverage() string { return "unknown" }
