package cpuhog

import "golang.org/x/sys/unix"

// pin keeps the calling thread on the given core. Where the system refuses
// (a container's CPU set without that core, say), the thread spins wherever
// the scheduler puts it.
func pin(core int) {
	var set unix.CPUSet
	set.Set(core)
	_ = unix.SchedSetaffinity(0, &set)
}
