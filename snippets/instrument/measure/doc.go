// Package measure times a run of concurrent code against the mock server and
// reports what happened: the wall time, the CPU the program used, what the
// server went through (requests served at once, requests queued, answers
// slowed down or turned away), how many pieces of work of each kind ran at
// once, and a timeline picture.
//
// It keeps measuring out of the lesson: a notebook cell holds the concurrency
// being taught, between Start and Report.
//
//	run := measure.Start(ctx, client, "100 at once")
//	var wg sync.WaitGroup
//	for _, id := range ids {
//		wg.Go(func() {
//			defer run.Begin("get video", id)()
//			client.Video(ctx, id)
//		})
//	}
//	wg.Wait()
//	run.Report()
//
// Report shows the run with package display: in a GoNB notebook one rich
// output (a summary, a table of the server's gates, the timeline) that also
// carries the figures as JSON, which the workshop's checks read; elsewhere
// plain text. It also keeps every run's Result with package runstore (per
// notebooks folder and per user), so that a later cell, or another notebook
// of the same folder, can compare runs with Compare or read one with Load.
package measure
