// Command tiles downloads a block of map tiles (5 x 4 = 20 by default) from
// the mock server, first one after another, then concurrently, prints both
// times, and with -out writes the block as one mosaic PNG.
package main

import (
	"context"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"time"

	"github.com/go-async-workshop/workshop/internal/cli"
	"github.com/go-async-workshop/workshop/snippets/lesson/concurrency"
	"github.com/go-async-workshop/workshop/snippets/lesson/mosaic"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// The block of tiles: zoom, top-left corner, default size, largest size.
const (
	zoom     = 13
	left     = 1300
	top      = 2920
	columns  = 5
	rows     = 4
	maxSide  = 16
	tileSize = 256
)

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("tiles", flag.ContinueOnError)
	fs.SetOutput(stdout)
	api := fs.String("api", videoapi.BaseURL(), "base URL of the server")
	out := fs.String("out", "", "write the mosaic of all tiles to this PNG file")
	cols := fs.Int("cols", columns, "tiles across")
	rows := fs.Int("rows", rows, "tiles down")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cols < 1 || *rows < 1 || *cols > maxSide || *rows > maxSide {
		return fmt.Errorf("-cols %d -rows %d: want 1..%d each", *cols, *rows, maxSide)
	}
	c := videoapi.New(*api)
	defer c.CloseIdleConnections()
	if err := c.Healthy(ctx); err != nil {
		return err
	}
	// Tile i sits at column i%cols, row i/cols.
	tile := func(ctx context.Context, i int) ([]byte, error) {
		return c.Tile(ctx, zoom, left+i%*cols, top + i / *cols)
	}
	n := *cols * *rows

	start := time.Now()
	if _, err := concurrency.Sequential(ctx, n, tile); err != nil {
		return err
	}
	seq := time.Since(start)
	fmt.Fprintf(stdout, "sync: %d tiles in %.2fs\n", n, seq.Seconds())

	if err := c.ResetStats(ctx); err != nil {
		return err
	}
	start = time.Now()
	tiles, err := concurrency.Concurrent(ctx, n, tile)
	if err != nil {
		return err
	}
	con := time.Since(start)
	stats, err := c.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "concurrent: %d tiles in %.2fs (server: %d in flight at once)\n", n, con.Seconds(), stats["tiles"].PeakInFlight)
	fmt.Fprintf(stdout, "speed-up: %.1fx\n", seq.Seconds()/con.Seconds())

	if *out != "" {
		if err := writeMosaic(*out, tiles, *cols); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "mosaic: %s (%dx%d)\n", *out, *cols*tileSize, *rows*tileSize)
	}
	return nil
}

// writeMosaic draws the tiles side by side into one PNG.
func writeMosaic(path string, tiles [][]byte, cols int) error {
	img, err := mosaic.Assemble(cols, tiles)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
