//go:build !race

package isolate

// raceEnabled reports whether the test binary was built with -race.
const raceEnabled = false
