// Package timeline records what many goroutines did and when, and draws it.
//
// A Recorder collects spans (a lane such as "get video", a label such as the
// video id, a start and an end) from any number of goroutines at once. It
// renders them as the talk's coloured, time-stamped terminal log with one
// column per lane, and as an SVG Gantt chart that a notebook cell displays.
// Where an asyncio program would print from its coroutines to see the
// interleaving, a Go program records spans here and looks at the picture.
package timeline
