package jupyterhub

import "testing"

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1G", 1e9, true},
		{"1.5G", 1.5e9, true},
		{"512Mi", 512 << 20, true},
		{"2Gi", 2 << 30, true},
		{"100", 100, true},
		{"", 0, false},
		{"G", 0, false},
		{"-1G", 0, false},
		{"1 GB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseBytes(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseBytes(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
