package slider

import (
	"strings"
	"testing"

	"github.com/janpfeifer/gonb/gonbui"
)

// Outside a notebook Run calls f once, at the starting value. (The test
// program may have played a cell for GoNB in an earlier test, so it says
// that this is no notebook itself.)
func TestRunOutsideNotebook(t *testing.T) {
	inNotebook = func() bool { return false }
	t.Cleanup(func() { inNotebook = func() bool { return gonbui.IsNotebook } })
	for _, tc := range []struct{ min, max, value int }{
		{1, 100, 10},
		{1, 100, 1},
		{1, 100, 100},
		{7, 7, 7},
	} {
		var got []int
		Run("limit", tc.min, tc.max, tc.value, func(v int) { got = append(got, v) })
		if len(got) != 1 || got[0] != tc.value {
			t.Errorf("Run(%d, %d, %d) called f with %v, want [%d]", tc.min, tc.max, tc.value, got, tc.value)
		}
	}
}

// A range that cannot hold the starting value is the cell's mistake: Run
// panics with a message that names the values, and never calls f.
func TestRunBadRange(t *testing.T) {
	for _, tc := range []struct{ min, max, value int }{
		{10, 1, 5},
		{1, 100, 0},
		{1, 100, 101},
	} {
		called := false
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "want min <= value <= max") {
					t.Errorf("Run(%d, %d, %d) panicked with %q", tc.min, tc.max, tc.value, msg)
				}
			}()
			Run("limit", tc.min, tc.max, tc.value, func(int) { called = true })
		}()
		if called {
			t.Errorf("Run(%d, %d, %d) called f", tc.min, tc.max, tc.value)
		}
	}
}
