package composefile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repo makes a repository root holding the real loader (from this
// repository's .bin) and the given compose file.
func repo(t *testing.T, compose string) string {
	t.Helper()
	loader, err := filepath.Abs(filepath.Join("..", "..", Loader))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(loader); err != nil {
		t.Fatalf("%s is missing: run `make setup` in the repository root", Loader)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ".bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(loader, filepath.Join(root, Loader)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, File), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compose file loader that make setup builds; skipped in -short")
	}
	t.Setenv("PORT", "9999") // the caller's variables must not reach the file
	tests := []struct {
		name, compose string
		want          string // part of the error; "" to load
	}{
		{"short forms normalised", "services:\n  a:\n    image: x\n    ports: [\"127.0.0.1:${PORT:-8000}:80\"]\n    environment:\n      A: \"1\"\n      B:\n", ""},
		{"a key the specification does not have", "services:\n  a:\n    image: x\n    bogus: 1\n", "bogus"},
		{"a port that is not one", "services:\n  a:\n    image: x\n    ports: [\"nope:x\"]\n", "containerPort"},
		{"not YAML", "services: [\n", "loading"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(repo(t, tt.compose))
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("Load = %+v, %v; want an error containing %q", p, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := p.Services["a"]
			if len(a.Ports) != 1 || a.Ports[0] != (Port{HostIP: "127.0.0.1", Target: 80, Published: "8000", Protocol: "tcp"}) {
				t.Errorf("ports %+v, want 127.0.0.1:8000 -> 80/tcp with the file's default", a.Ports)
			}
			if v := a.Environment["A"]; v == nil || *v != "1" {
				t.Errorf("environment A = %v, want 1", v)
			}
			if v, ok := a.Environment["B"]; !ok || v != nil {
				t.Errorf("environment B = %v (present %v), want named without a value", v, ok)
			}
		})
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("Load without the loader = %v, want an error saying how to install it", err)
	}
}
