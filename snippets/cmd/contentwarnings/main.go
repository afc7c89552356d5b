// Command contentwarnings runs the content-warnings app against the mock
// server in one of its three versions and ends with a one-line summary.
//
//	go run ./snippets/cmd/contentwarnings -mode sync|attempt|final [-n 100] [-model-work 0.5] [-log=false] [-svg out.svg]
//
// By default it prints the live timeline log (one column per kind of work,
// coloured in a terminal); with -log=false it shows a progress bar instead. The final
// version's result is verified by re-reading every video.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/snippets/instrument/timeline"
	cw "github.com/go-async-workshop/workshop/snippets/lesson/contentwarnings"
	"github.com/go-async-workshop/workshop/snippets/tool/workload"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func main() { cli.Main(run) }

// pipelines maps each -mode to its version of the app.
var pipelines = map[string]func(context.Context, cw.Options) (cw.Result, error){
	"sync":    cw.Sync,
	"attempt": cw.Attempt,
	"final":   cw.Final,
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("contentwarnings", flag.ContinueOnError)
	fs.SetOutput(stdout)
	mode := fs.String("mode", "final", "version of the app: sync, attempt or final")
	videos, videosErr := workload.Videos()
	modelWork, workErr := workload.ModelWork()
	n := fs.Int("n", videos, "number of videos ($"+workload.EnvVideos+")")
	api := fs.String("api", videoapi.BaseURL(), "base URL of the server ($"+videoapi.EnvBaseURL+")")
	work := fs.Float64("model-work", modelWork, fmt.Sprintf("SHA-512 passes over 100 MB per video ($%s; %d is the talk's full model)", workload.EnvModelWork, workload.TalkModelWork))
	live := fs.Bool("log", true, "print the live timeline log; false shows a progress bar")
	color := fs.Bool("color", timeline.ColorFor(stdout), "colour the log with ANSI escapes (default: when printing to a terminal)")
	svg := fs.String("svg", "", "also write the timeline as an SVG Gantt chart to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := errors.Join(cli.DefaultError(fs, "n", videosErr), cli.DefaultError(fs, "model-work", workErr)); err != nil {
		return err
	}
	pipeline, ok := pipelines[*mode]
	switch {
	case !ok:
		return fmt.Errorf("-mode %q: want sync, attempt or final", *mode)
	case *n < 1:
		return fmt.Errorf("-n %d: want at least 1 video", *n)
	case !(*work >= 0 && *work <= workload.MaxModelWork):
		return fmt.Errorf("-model-work %g: want 0 to %d", *work, workload.MaxModelWork)
	}

	client := videoapi.New(*api)
	defer client.CloseIdleConnections()
	if err := client.Healthy(ctx); err != nil {
		return err
	}
	if err := client.ResetStats(ctx); err != nil {
		return err
	}
	rec := timeline.New()
	o := cw.Options{Client: client, N: *n, Model: cw.Model{Work: *work}, Timeline: rec}
	if *live {
		rec.SetLive(stdout, *color)
	} else {
		o.Progress = stdout
	}
	fmt.Fprintf(stdout, "%s: %d videos, model work %g, server %s\n", *mode, *n, *work, client.BaseURL())
	res, runErr := pipeline(ctx, o)
	rec.Stop()
	rec.SetLive(nil, false)

	fmt.Fprintln(stdout, rec.Summary())
	if *svg != "" {
		if err := os.WriteFile(*svg, []byte(rec.SVG()), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "timeline chart: %s\n", *svg)
	}
	if stats, err := client.Stats(context.WithoutCancel(ctx)); err == nil {
		for _, name := range []string{"video", "transcript", "patch"} {
			fmt.Fprintf(stdout, "server %-12s %s\n", name+":", stats[name])
		}
	}
	if runErr == nil && *mode == "final" {
		runErr = cw.Verify(ctx, client, *n, res)
		if runErr == nil {
			fmt.Fprintf(stdout, "verified: %d videos saved with the right warnings\n", res.Videos)
		}
	}
	if runErr != nil {
		fmt.Fprintln(stdout, "error:", oneLine(runErr))
	}
	res.Mode = *mode
	fmt.Fprintln(stdout, res.SummaryLine())
	if runErr != nil {
		return errors.New("the run failed (see above)")
	}
	return nil
}

// oneLine keeps an error message on one line.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
