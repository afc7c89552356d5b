package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string // part of the error; "" for none
	}{
		{[]string{"-cores", "0"}, "want 1 to"},
		{[]string{"-cores", "100000"}, "want 1 to"},
		{[]string{"-for", "-1s"}, "positive duration"},
		{[]string{"-nope"}, "not defined"},
		{[]string{"-cores", "1", "-for", "50ms"}, ""},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, tt.args, &stderr)
		cancel()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("run(%q) = %v, want error containing %q", tt.args, err, tt.want)
		}
	}
}
