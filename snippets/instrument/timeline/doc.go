// Package timeline records what many goroutines did and when, and draws it.
//
// A Recorder collects spans (a lane such as "get video", the kind of work;
// a label such as the video id, the item; a start and an end) from any
// number of goroutines at once. Where an asyncio program would print from
// its coroutines to see the interleaving, a Go program records spans here
// and looks at the picture.
//
// It renders them two ways:
//
//   - the talk's time-stamped log (WriteLog, or live with SetLive), one
//     column per lane. In a terminal each lane has a colour; without colour
//     (notebooks, files, web pages, where escape codes show as junk) each
//     line carries its lane's short tag instead. ColorFor tells which.
//   - a Gantt chart (SVG, RenderSVG, HTML) that reads at any size: each
//     lane has one row per span it ran at once, a lane too busy for rows
//     becomes a density track (how many were open over time, its peak
//     marked), and a grey track shows items waiting between their steps.
//
// In a GoNB notebook, show the chart with
//
//	gonbui.DisplayHTML(rec.HTML(timeline.SVGOptions{Title: "..."}))
//
// which JupyterLab draws even in a notebook that is not trusted.
package timeline
