// Package mosaic assembles map tiles into one picture: the PNG tiles a tile
// server returns, decoded and drawn side by side, row by row.
//
// It keeps the picture-making out of the notebooks, whose cells show the
// downloading.
package mosaic

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
)

// MaxTiles bounds the number of tiles in one mosaic (a 32 x 32 block of
// 256-pixel tiles is 8192 pixels a side, 256 MB as RGBA).
const MaxTiles = 1024

// Assemble decodes the PNG tiles and draws them into one image, cols tiles
// across: tile i goes to column i%cols, row i/cols. Every tile must have the
// size of the first one, and the tiles must fill whole rows.
func Assemble(cols int, tiles [][]byte) (*image.RGBA, error) {
	switch {
	case len(tiles) == 0:
		return nil, errors.New("mosaic: no tiles")
	case len(tiles) > MaxTiles:
		return nil, fmt.Errorf("mosaic: %d tiles, at most %d", len(tiles), MaxTiles)
	case cols < 1 || len(tiles)%cols != 0:
		return nil, fmt.Errorf("mosaic: %d tiles do not fill rows of %d", len(tiles), cols)
	}
	var out *image.RGBA
	var w, h int
	for i, b := range tiles {
		if len(b) == 0 {
			return nil, fmt.Errorf("mosaic: tile %d is empty (not downloaded?)", i)
		}
		tile, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("mosaic: tile %d: %w", i, err)
		}
		size := tile.Bounds().Size()
		if out == nil {
			w, h = size.X, size.Y
			out = image.NewRGBA(image.Rect(0, 0, cols*w, len(tiles)/cols*h))
		} else if size.X != w || size.Y != h {
			return nil, fmt.Errorf("mosaic: tile %d is %dx%d, tile 0 is %dx%d", i, size.X, size.Y, w, h)
		}
		at := image.Pt(i%cols*w, i/cols*h)
		draw.Draw(out, image.Rectangle{Min: at, Max: at.Add(size)}, tile, tile.Bounds().Min, draw.Src)
	}
	return out, nil
}
