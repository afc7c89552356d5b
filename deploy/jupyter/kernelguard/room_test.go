package kernelguard

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestKernelEnv(t *testing.T) {
	dir := t.TempDir()
	own := EnvAPIURL + "=unix:///homes/ana/.video-server.sock"
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unreadable := write("unreadable", "unix:///room/video.sock")
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string // "" = no room file set
		want    string // the kernel's VIDEO_API_URL
		noteHas string
	}{
		{"no room mode", "", "unix:///homes/ana/.video-server.sock", ""},
		{"room file missing: own server", filepath.Join(dir, "none"), "unix:///homes/ana/.video-server.sock", ""},
		{"room file empty: own server", write("empty", "\n"), "unix:///homes/ana/.video-server.sock", ""},
		{"the room's socket", write("sock", "unix:///var/lib/workshop-classroom/room/server/video.sock\n"), "unix:///var/lib/workshop-classroom/room/server/video.sock", ""},
		{"the room's port", write("port", "http://10.0.0.7:8000"), "http://10.0.0.7:8000", ""},
		{"a relative socket", write("rel", "unix://room/video.sock"), "unix:///homes/ana/.video-server.sock", "is not unix:///path"},
		{"another scheme", write("file", "file:///etc/passwd"), "unix:///homes/ana/.video-server.sock", "is not unix:///path"},
		{"two lines", write("lines", "http://a:1\nX=1"), "unix:///homes/ana/.video-server.sock", "not a server URL"},
		{"too long", write("long", "http://a:1/"+strings.Repeat("x", maxRoomFile)), "unix:///homes/ana/.video-server.sock", "longer than"},
	}
	if os.Geteuid() != 0 { // root reads any file
		tests = append(tests, struct {
			name, file, want, noteHas string
		}{"unreadable", unreadable, "unix:///homes/ana/.video-server.sock", "permission denied"})
	}
	for _, tt := range tests {
		environ := []string{"HOME=/homes/ana", own}
		if tt.file != "" {
			environ = append(environ, EnvRoomFile+"="+tt.file)
		}
		env, note := KernelEnv(environ)
		if got := lookup(env, EnvAPIURL); got != tt.want {
			t.Errorf("%s: VIDEO_API_URL = %q, want %q", tt.name, got, tt.want)
		}
		if n := countPrefix(env, EnvAPIURL+"="); n != 1 {
			t.Errorf("%s: VIDEO_API_URL set %d times in %q", tt.name, n, env)
		}
		if !slices.Contains(env, "HOME=/homes/ana") {
			t.Errorf("%s: the rest of the environment was lost: %q", tt.name, env)
		}
		if (tt.noteHas == "") != (note == "") || !strings.Contains(note, tt.noteHas) {
			t.Errorf("%s: note %q, want one saying %q", tt.name, note, tt.noteHas)
		}
	}
}

func countPrefix(env []string, prefix string) int {
	n := 0
	for _, kv := range env {
		if strings.HasPrefix(kv, prefix) {
			n++
		}
	}
	return n
}
