//go:build race

package subprocess

// raceEnabled reports whether the test binary was built with -race.
const raceEnabled = true
