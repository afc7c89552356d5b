//go:build !linux

package cpuhog

// pin does nothing where threads cannot be pinned from Go's standard
// library and x/sys alike (macOS): the thread spins wherever the scheduler
// puts it.
func pin(core int) {}
