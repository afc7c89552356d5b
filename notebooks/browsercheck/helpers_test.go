package browsercheck

import "testing"

// These run in -short too: they check how the page's state is read.

func TestPromptCounts(t *testing.T) {
	tests := []struct {
		prompts           []string
		executed, running int
	}{
		{nil, 0, 0},
		{[]string{"[ ]:", "[ ]:"}, 0, 0},
		{[]string{"[1]:", "[*]:", "[*]:"}, 1, 2},
		{[]string{"[1]:", "[2]:", "[10]:"}, 3, 0},
		{[]string{"[1]:", "", "[3]:"}, 2, 0},
	}
	for _, tt := range tests {
		s := notebookState{Prompts: tt.prompts}
		if got := s.executed(); got != tt.executed {
			t.Errorf("executed(%q) = %d, want %d", tt.prompts, got, tt.executed)
		}
		if got := s.running(); got != tt.running {
			t.Errorf("running(%q) = %d, want %d", tt.prompts, got, tt.running)
		}
	}
}

func TestScreenshotName(t *testing.T) {
	tests := []struct{ base, want string }{
		{"01_snippets_from_the_slides", "notebook01.png"},
		{"12_more", "notebook12.png"},
		{"scratch", "scratch.png"},
		{"v2_draft", "v2_draft.png"},
		{"_odd", "_odd.png"},
	}
	for _, tt := range tests {
		if got := screenshotName(tt.base); got != tt.want {
			t.Errorf("screenshotName(%q) = %q, want %q", tt.base, got, tt.want)
		}
	}
}
