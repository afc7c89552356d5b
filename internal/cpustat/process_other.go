//go:build !unix

package cpustat

import "time"

// Process returns 0: this system's CPU clock is not read here.
func Process() time.Duration { return 0 }

// Children returns 0: this system's CPU clocks are not read here.
func Children() time.Duration { return 0 }
