package cli

import (
	"errors"
	"flag"
	"io"
	"testing"
)

func TestDefaultError(t *testing.T) {
	bad := errors.New("$WORKSHOP_VIDEOS: bad")
	tests := []struct {
		args []string
		err  error
		want string // "" for no error
	}{
		{nil, nil, ""},
		{nil, bad, "$WORKSHOP_VIDEOS: bad (or give -n)"},
		{[]string{"-n", "3"}, bad, ""},
		{[]string{"-other", "x"}, bad, "$WORKSHOP_VIDEOS: bad (or give -n)"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("p", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Int("n", 100, "")
		fs.String("other", "", "")
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		got := DefaultError(fs, "n", tt.err)
		switch {
		case tt.want == "" && got != nil, tt.want != "" && (got == nil || got.Error() != tt.want || !errors.Is(got, bad)):
			t.Errorf("DefaultError after %q = %v, want %q wrapping the cause", tt.args, got, tt.want)
		}
	}
}
