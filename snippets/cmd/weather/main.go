// Command weather is a publish/subscribe feed: one producer per city polls
// the mock server's weather every -every, a single consumer prints each
// reading as it arrives, and everything stops after -for (or on Ctrl-C).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/snippets/lesson/concurrency"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// place is a city whose weather is published.
type place struct {
	name     string
	lat, lon float64
}

// cities are the places the feed follows.
var cities = []place{
	{"Kiel", 54.305902, 10.123282},
	{"Berlin", 52.521021, 13.381268},
	{"München", 48.144049, 11.575928},
}

func main() { cli.Main(run) }

// reading is one published message.
type reading struct {
	city place
	w    videoapi.Weather
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("weather", flag.ContinueOnError)
	fs.SetOutput(stdout)
	every := fs.Duration("every", 2*time.Second, "how often each producer polls")
	total := fs.Duration("for", 10*time.Second, "how long the feed runs")
	api := fs.String("api", videoapi.BaseURL(), "base URL of the server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *every <= 0 || *total <= 0 {
		return fmt.Errorf("-every %v -for %v: want positive durations", *every, *total)
	}
	c := videoapi.New(*api)
	defer c.CloseIdleConnections()
	if err := c.Healthy(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *total)
	defer cancel()

	start := time.Now()
	got, failed := 0, 0
	err := concurrency.PubSub(ctx, cities, *every,
		func(ctx context.Context, city place) (reading, error) {
			w, err := c.Weather(ctx, city.lat, city.lon)
			return reading{city, w}, err
		},
		func(r reading, err error) {
			at := time.Since(start).Seconds()
			if err != nil {
				failed++
				fmt.Fprintf(stdout, "%6.2fs error: %v\n", at, err)
				return
			}
			got++
			fmt.Fprintf(stdout, "%6.2fs %-8s %5.1f °C :: %s\n", at, r.city.name, r.w.Temperature, r.w.Description)
		})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d readings (%d errors) from %d producers in %.2fs\n", got, failed, len(cities), time.Since(start).Seconds())
	return nil
}
