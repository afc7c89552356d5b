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

func TestProblemText(t *testing.T) {
	tests := []struct {
		text string
		bad  bool
	}{
		{"100 ids, starting with [a b c]\n", false},
		{"panic: runtime error: index out of range\n", true},
		{"goroutine 1 [running]:\nfatal error: all goroutines are asleep - deadlock!\n", true},
		{"--- FAIL: TestFetchLimited (0.01s)\n", true},
		{"=== RUN   TestFetchLimited\n--- PASS: TestFetchLimited (0.15s)\nPASS\n", false},
		{"failed to run \"go build\": exit status 1", true},
		{"  a lesson quoting panic: is indented\n", false},
	}
	for _, tt := range tests {
		if got := problemText.MatchString(tt.text); got != tt.bad {
			t.Errorf("problemText.MatchString(%q) = %v, want %v", tt.text, got, tt.bad)
		}
	}
}
