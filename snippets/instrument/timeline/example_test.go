package timeline_test

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
)

// Record spans from several goroutines at once.
func ExampleRecorder_Track() {
	rec := timeline.New()
	var wg sync.WaitGroup
	for _, id := range []string{"a", "b", "c"} {
		wg.Go(func() {
			_ = rec.Track("download", id, func() error {
				time.Sleep(10 * time.Millisecond) // the work being timed
				return nil
			})
		})
	}
	wg.Wait()
	fmt.Println(len(rec.Spans()), "spans, lanes", rec.Lanes())
	// Output: 3 spans, lanes [download]
}

// Render fixed spans as the terminal log.
func ExampleFromSpans() {
	ms := time.Millisecond
	rec := timeline.FromSpans([]timeline.Span{
		{Lane: "get video", Label: "student", Start: 0, End: 200 * ms},
		{Lane: "model", Label: "student", Start: 200 * ms, End: 700 * ms},
	})
	_ = rec.WriteLog(os.Stdout, false)
	fmt.Println(rec.Summary())
	// Output:
	//          GV GET VIDEO        M MODEL
	//   0.000s GV ▶ student
	//   0.200s GV ✔ student
	//   0.200s                     M ▶ student
	//   0.700s                     M ✔ student
	// wall 0.70s | peak: get video 1, model 1
}
