//go:build !linux

package main

import "time"

// threadCPU returns 0: only Linux gives a thread's CPU time here, so
// measurePass falls back to the wall time.
func threadCPU() time.Duration { return 0 }
