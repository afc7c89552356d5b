package endpoints

import (
	"slices"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range All() {
		if e.Name == "" || e.Label == "" || e.Method == "" || !strings.HasPrefix(e.Route, "/") || e.MinDelay <= 0 {
			t.Errorf("incomplete row %+v", e)
		}
		if seen[e.Name] || seen[e.Method+" "+e.Route] {
			t.Errorf("%s (%s %s) appears twice", e.Name, e.Method, e.Route)
		}
		seen[e.Name], seen[e.Method+" "+e.Route] = true, true
		if e.Step > 0 && !e.Gated() {
			t.Errorf("%s has a step but no capacity: nothing ever queues behind it", e.Name)
		}
	}
	if v, _ := Lookup(Video); !v.Gated() || v.Capacity != 10 || v.MinDelay.Milliseconds() != 200 || v.Step.Milliseconds() != 100 {
		t.Errorf("the video gate is %+v, want the talk's 10 slots, 200 ms, 100 ms", v)
	}
	all := All()
	all[0].Name = "changed"
	if All()[0].Name != Video {
		t.Error("changing All's answer changed the table")
	}
}

func TestOrder(t *testing.T) {
	names := []string{"zeta", Weather, Patch, "alpha", Video, VideosList, Transcript}
	slices.SortFunc(names, Compare)
	want := []string{Video, Transcript, Patch, VideosList, Weather, "alpha", "zeta"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted %q, want %q", names, want)
	}
	for _, tt := range []struct{ name, label string }{
		{Video, "videos"}, {Transcript, "transcripts"}, {Patch, "saves"}, {VideosList, "id list"}, {Posts, "posts"}, {"unknown", "unknown"},
	} {
		if got := Label(tt.name); got != tt.label {
			t.Errorf("Label(%q) = %q, want %q", tt.name, got, tt.label)
		}
	}
	if Index("unknown") != -1 || Index(Video) != 0 {
		t.Errorf("Index: unknown %d, video %d", Index("unknown"), Index(Video))
	}
}

func TestValidClientName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"ana", true},
		{"Ana.Lopez-2", true},
		{"ana+class@example.org", true},
		{"u_1", true},
		{strings.Repeat("a", MaxClientName), true},
		{"", false},
		{strings.Repeat("a", MaxClientName+1), false},
		{"two words", false},
		{"ana\r\nX-Injected: 1", false},
		{"ana/../bob", false},
		{"名前", false},
		{"<script>", false},
		{"a\x00b", false},
	}
	for _, tt := range tests {
		if got := ValidClientName(tt.name); got != tt.ok {
			t.Errorf("ValidClientName(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}
