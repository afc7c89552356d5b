package classroom

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// These run in -short too: they check how cells' outputs are judged.

// displayed is a display_data output carrying one MIME bundle entry.
func displayed(mime, raw string) output {
	return output{Type: "display_data", Data: map[string]json.RawMessage{mime: json.RawMessage(raw)}}
}

func TestLessonRuns(t *testing.T) {
	unlimited := `{"name":"unlimited","wall_seconds":1.1,"server":{"video":{"peak_in_flight":10,"peak_waiting":90,"served":100}}}`
	limited := `{"name":"limited","wall_seconds":0.21,"server":{"video":{"peak_in_flight":10,"peak_waiting":0,"served":100}}}`
	again := `{"name":"limited","wall_seconds":0.25,"server":{"video":{"peak_in_flight":10,"served":100}}}`
	quoted, _ := json.Marshal(limited)
	tests := []struct {
		name    string
		outputs []output
		want    map[string]float64 // run -> wall_seconds
		err     bool
	}{
		{"objects", []output{displayed(RunMIME, unlimited), displayed(RunMIME, limited)}, map[string]float64{"unlimited": 1.1, "limited": 0.21}, false},
		{"object in a JSON string", []output{displayed(RunMIME, string(quoted))}, map[string]float64{"limited": 0.21}, false},
		{"a later run of a name replaces the earlier", []output{displayed(RunMIME, limited), displayed(RunMIME, again)}, map[string]float64{"limited": 0.25}, false},
		{"other MIME types ignored", []output{displayed("text/html", `"<b>x</b>"`), {Type: "stream", Text: "hello\n"}}, map[string]float64{}, false},
		{"a comparison and a sweep are not runs", []output{displayed(RunMIME, `{"runs":[{"name":"x"}]}`), displayed(RunMIME, `{"limits":{"points":[]}}`), displayed(RunMIME, unlimited)}, map[string]float64{"unlimited": 1.1}, false},
		{"not JSON", []output{displayed(RunMIME, `"nope"`)}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lessonRuns([]cellRun{{Index: 3, FirstLine: "%%", Status: "ok", Outputs: tt.outputs}})
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

// TestCheckLesson: the classroom holds each attendee's notebook 01 to the
// rule the notebook checks apply (lessons.Limiting, tested there); here,
// that it is applied to the right runs.
func TestCheckLesson(t *testing.T) {
	run := func(name string, wall float64, peak, waiting int) measure.Result {
		return measure.Result{Name: name, WallSeconds: wall, Server: map[string]videoapi.EndpointStats{
			"video": {PeakInFlight: peak, PeakWaiting: waiting, Degraded: max(waiting-1, 0), Served: 100}}}
	}
	tests := []struct {
		name string
		runs []measure.Result
		want string // "" = the lesson holds; else part of the complaint
	}{
		{"holds", []measure.Result{run("unlimited", 2.2, 10, 90), run("limited", 0.4, 10, 0)}, ""},
		{"limited not faster", []measure.Result{run("unlimited", 2.2, 10, 90), run("limited", 1.9, 10, 0)}, "of the time"},
		{"limited over capacity", []measure.Result{run("unlimited", 2.2, 10, 90), run("limited", 0.4, 20, 0)}, "limited: the server's videos"},
		{"unlimited did not queue", []measure.Result{run("unlimited", 2.2, 10, 0), run("limited", 0.4, 10, 0)}, "unlimited: the server's videos"},
		{"a run missing", []measure.Result{run("unlimited", 2.2, 10, 90)}, "not both published"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := map[string]measure.Result{}
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
	// Every case runs one lesson cell (index 1) and the exercise's test
	// (index 7), red on the untouched stub unless the case says otherwise.
	red := cellRun{Index: 7, FirstLine: "%test", Status: "error", Outputs: []output{{Type: "stream", Name: "stdout", Text: "--- FAIL: TestX (0.1s)\n"}, {Type: "error", EName: "ERROR", EValue: "exit status 1"}}}
	tests := []struct {
		name      string
		run, test cellRun
		bad       bool
	}{
		{"ok", cellRun{Index: 1, Status: "ok", Outputs: []output{{Type: "stream", Text: "server is up\n"}}}, red, false},
		{"error reply", cellRun{Index: 1, Status: "error"}, red, true},
		{"aborted", cellRun{Index: 1, FirstLine: "fmt.Println(1)", Status: "aborted"}, red, true},
		{"error output", cellRun{Index: 1, Status: "ok", Outputs: []output{{Type: "error", EName: "ERROR", EValue: "boom"}}}, red, true},
		{"panic printed", cellRun{Index: 1, Status: "ok", Outputs: []output{{Type: "stream", Text: "panic: runtime error\n"}}}, red, true},
		{"panic printed in two pieces", cellRun{Index: 1, Status: "ok", Outputs: []output{{Type: "stream", Name: "stderr", Text: "pan"}, {Type: "stream", Name: "stderr", Text: "ic: runtime error\n"}}}, red, true},
		{"failed test", cellRun{Index: 1, Status: "ok", Outputs: []output{{Type: "stream", Text: "--- FAIL: TestX (0.1s)\n"}}}, red, true},
		{"build failure", cellRun{Index: 1, Status: "ok", Outputs: []output{{Type: "stream", Name: "stderr", Text: "# command-line-arguments\n./main.go:3: x\n"}}}, red, true},
		{"passed test", cellRun{Index: 1, Status: "ok", Outputs: []output{{Type: "stream", Text: "=== RUN   TestX\n--- PASS: TestX (0.1s)\nPASS\n"}}}, red, false},
		{"the exercise's test passing on the stub", cellRun{Index: 1, Status: "ok"}, cellRun{Index: 7, Status: "ok", Outputs: []output{{Type: "stream", Text: "--- PASS: TestX (0.1s)\n"}}}, true},
	}
	for _, tt := range tests {
		if got := problems([]cellRun{tt.run, tt.test}, 7); (len(got) > 0) != tt.bad {
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
