package classroom

import (
	"encoding/json"
	"strings"
	"testing"
)

// These run in -short too: they check how cells' outputs are judged.

// display is a display_data output carrying one MIME bundle entry.
func display(mime, raw string) output {
	return output{Type: "display_data", Data: map[string]json.RawMessage{mime: json.RawMessage(raw)}}
}

func TestResults(t *testing.T) {
	unlimited := `{"name":"unlimited","wall_seconds":1.1,"server":{"video":{"peak_in_flight":10,"peak_waiting":90,"served":100}}}`
	limited := `{"name":"limited","wall_seconds":0.21,"server":{"video":{"peak_in_flight":10,"peak_waiting":0,"served":100}}}`
	quoted, _ := json.Marshal(limited)
	tests := []struct {
		name    string
		outputs []output
		want    map[string]float64 // run -> wall_seconds
		err     bool
	}{
		{"objects", []output{display(RunMIME, unlimited), display(RunMIME, limited)}, map[string]float64{"unlimited": 1.1, "limited": 0.21}, false},
		{"object in a JSON string", []output{display(RunMIME, string(quoted))}, map[string]float64{"limited": 0.21}, false},
		{"other MIME types ignored", []output{display("text/html", `"<b>x</b>"`), {Type: "stream", Text: "hello\n"}}, map[string]float64{}, false},
		{"no name", []output{display(RunMIME, `{"wall_seconds":1}`)}, nil, true},
		{"a comparison and a sweep are not runs", []output{display(RunMIME, `{"runs":[{"name":"x"}]}`), display(RunMIME, `{"limits":{"points":[]}}`), display(RunMIME, unlimited)}, map[string]float64{"unlimited": 1.1}, false},
		{"not JSON", []output{display(RunMIME, `"nope"`)}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := results([]cellRun{{Index: 3, FirstLine: "%%", Outputs: tt.outputs}})
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want runs %v", got, tt.want)
			}
			for name, wall := range tt.want {
				if got[name].WallSeconds != wall {
					t.Errorf("%s wall_seconds = %v, want %v", name, got[name].WallSeconds, wall)
				}
			}
		})
	}
}

func TestCheckLesson(t *testing.T) {
	run := func(name string, wall float64, peak int) runResult {
		return runResult{Name: name, WallSeconds: wall, Server: map[string]gateStats{"video": {PeakInFlight: peak}}}
	}
	tests := []struct {
		name string
		runs []runResult
		want string // "" = the lesson holds; else part of the complaint
	}{
		{"holds", []runResult{run("unlimited", 1.1, 10), run("limited", 0.2, 10)}, ""},
		{"limited not faster", []runResult{run("unlimited", 1.1, 10), run("limited", 0.9, 10)}, "not clearly faster"},
		{"limited over capacity", []runResult{run("unlimited", 1.1, 10), run("limited", 0.2, 20)}, "limited peak_in_flight"},
		{"limited below capacity", []runResult{run("unlimited", 1.1, 10), run("limited", 0.2, 5)}, "limited peak_in_flight"},
		{"a run missing", []runResult{run("unlimited", 1.1, 10)}, "not both published"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := map[string]runResult{}
			for _, r := range tt.runs {
				res[r.Name] = r
			}
			got := strings.Join(checkLesson(res), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("checkLesson = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		run  cellRun
		bad  bool
	}{
		{"ok", cellRun{Index: 1, Status: "ok", Outputs: []output{{Type: "stream", Text: "server is up\n"}}}, false},
		{"error reply", cellRun{Status: "error"}, true},
		{"error output", cellRun{Status: "ok", Outputs: []output{{Type: "error", EName: "ERROR", EValue: "boom"}}}, true},
		{"panic printed", cellRun{Status: "ok", Outputs: []output{{Type: "stream", Text: "panic: runtime error\n"}}}, true},
		{"failed test", cellRun{Status: "ok", Outputs: []output{{Type: "stream", Text: "--- FAIL: TestX (0.1s)\n"}}}, true},
		{"build failure", cellRun{Status: "ok", Outputs: []output{{Type: "stream", Name: "stderr", Text: "# command-line-arguments\n./main.go:3: x\n"}}}, true},
		{"passed test", cellRun{Status: "ok", Outputs: []output{{Type: "stream", Text: "=== RUN   TestX\n--- PASS: TestX (0.1s)\nPASS\n"}}}, false},
		{"the exercise's red test", cellRun{Index: 7, Status: "error", Outputs: []output{{Type: "stream", Text: "--- FAIL: TestX (0.1s)\n"}, {Type: "error", EName: "ERROR", EValue: "exit status 1"}}}, false},
		{"the exercise's test passing on the stub", cellRun{Index: 7, Status: "ok", Outputs: []output{{Type: "stream", Text: "--- PASS: TestX (0.1s)\n"}}}, true},
	}
	for _, tt := range tests {
		if got := problems([]cellRun{tt.run}, 7); (len(got) > 0) != tt.bad {
			t.Errorf("%s: problems = %v, want bad=%v", tt.name, got, tt.bad)
		}
	}
}

func TestParseServerRow(t *testing.T) {
	table := "unlimited: 2.21 s\nserver endpoint\tanswered\tat most at once\tat most queued\tslowed by the queue\tturned away (503)\nvideos\t100\t10\t90\t89\t0\nwork\tcount\tat once\n"
	tests := []struct {
		name, text string
		want       serverRow
		ok         bool
	}{
		{"the videos row", table, serverRow{100, 10, 90, 89, 0}, true},
		{"spaces instead of tabs", "videos 20 10 10 9 0", serverRow{20, 10, 10, 9, 0}, true},
		{"no such row", "transcripts\t5\t5\t0\t0\t0", serverRow{}, false},
		{"not a count", "videos\t100\t10\tninety\t89\t0", serverRow{}, false},
		{"a prose line", "videos 100 answered, at most 10 at once", serverRow{}, false},
	}
	for _, tt := range tests {
		got, ok := parseServerRow(tt.text, "videos")
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: parseServerRow = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
