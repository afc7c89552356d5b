// Package percentile is the one definition of a percentile that the
// workshop's figures use (the gates' recent latencies, the benchmarks'
// reports): the nearest rank, the smallest value with at least p percent of
// the values at or below it. It is always one of the values measured, never
// a value between two.
package percentile

import (
	"cmp"
	"math"
	"slices"
)

// Sorted returns the p-th percentile (0 < p <= 100) of values sorted in
// increasing order, by nearest rank; p <= 0 gives the smallest value, p >=
// 100 the largest, and no values the zero value.
func Sorted[T any](sorted []T, p float64) T {
	if len(sorted) == 0 {
		var zero T
		return zero
	}
	// p * n is exact for a whole p and any count a test or a run has, so
	// the ceiling does not suffer from rounding: 95% of 20 is rank 19.
	rank := int(math.Ceil(p * float64(len(sorted)) / 100))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Of returns the p-th percentile of values, as Sorted does; it sorts a copy
// and leaves values as they are.
func Of[T cmp.Ordered](values []T, p float64) T {
	s := slices.Clone(values)
	slices.Sort(s)
	return Sorted(s, p)
}
