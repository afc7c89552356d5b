package syncwriter

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentWrites writes whole lines from many goroutines (run it with
// -race) and checks that every line arrives intact, in both modes.
func TestConcurrentWrites(t *testing.T) {
	var into strings.Builder
	for _, tt := range []struct {
		name string
		w    *Writer
		read func(*Writer) string
	}{
		{"zero value", &Writer{}, (*Writer).String},
		{"New", New(&into), func(*Writer) string { return into.String() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for g := range 20 {
				wg.Go(func() {
					for i := range 50 {
						fmt.Fprintf(tt.w, "goroutine %02d line %02d\n", g, i)
					}
				})
			}
			wg.Wait()
			lines := strings.Split(strings.TrimSuffix(tt.read(tt.w), "\n"), "\n")
			if len(lines) != 1000 {
				t.Fatalf("%d lines, want 1000", len(lines))
			}
			for _, l := range lines {
				var g, i int
				if n, err := fmt.Sscanf(l, "goroutine %02d line %02d", &g, &i); n != 2 || err != nil {
					t.Fatalf("mangled line %q", l)
				}
			}
		})
	}
	if s := New(&into).String(); s != "" {
		t.Errorf("String of a passing-on Writer = %q, want empty", s)
	}
}
