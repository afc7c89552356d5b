package mockserver

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// Tile geometry.
const (
	TileSize  = 256 // pixels per side
	MaxZoom   = 20  // deepest zoom level served
	noiseCell = 96  // pixels between lattice points of the terrain noise
	roadEvery = 64  // pixels between candidate roads
)

// Tile colours, indexes into tilePalette.
const (
	land = iota
	park
	water
	casing
	road
)

var tilePalette = color.Palette{
	land:   color.RGBA{0xf2, 0xef, 0xe9, 0xff},
	park:   color.RGBA{0xc8, 0xe6, 0xb0, 0xff},
	water:  color.RGBA{0xaa, 0xd3, 0xdf, 0xff},
	casing: color.RGBA{0xd0, 0xc4, 0xb8, 0xff},
	road:   color.RGBA{0xff, 0xff, 0xff, 0xff},
}

// renderTile draws the map-like tile at z/x/y: water, parks and a road grid
// that continue across tile borders. The same coordinates give the same bytes.
func renderTile(z, x, y int) ([]byte, error) {
	img := image.NewPaletted(image.Rect(0, 0, TileSize, TileSize), tilePalette)
	for py := 0; py < TileSize; py++ {
		gy := y*TileSize + py
		for px := 0; px < TileSize; px++ {
			gx := x*TileSize + px
			img.SetColorIndex(px, py, terrain(z, gx, gy))
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// terrain returns the colour of world pixel gx, gy at zoom z.
func terrain(z, gx, gy int) uint8 {
	if c, ok := roadAt(z, gy, 0); ok {
		return c
	}
	if c, ok := roadAt(z, gx, 1); ok {
		return c
	}
	n := 0.65*valueNoise(z, gx, gy, noiseCell) + 0.35*valueNoise(z+64, gx, gy, noiseCell/3)
	switch {
	case n < 0.32:
		return water
	case n > 0.68:
		return park
	}
	return land
}

// roadAt reports whether coordinate v (a row or a column, axis 0 or 1) lies
// on a road, and which colour it has there.
func roadAt(z, v, axis int) (uint8, bool) {
	k := v / roadEvery
	h := mix(uint64(z), uint64(k), uint64(axis))
	if h%3 == 0 {
		return 0, false // no road in this band
	}
	centre := k*roadEvery + 8 + int(h>>8%uint64(roadEvery-16))
	switch d := v - centre; {
	case d >= -1 && d <= 1:
		return road, true
	case d == -2 || d == 2:
		return casing, true
	}
	return 0, false
}

// valueNoise is smooth noise in 0..1 with lattice points every cell pixels.
func valueNoise(z, gx, gy, cell int) float64 {
	ix, iy := gx/cell, gy/cell
	fx, fy := float64(gx%cell)/float64(cell), float64(gy%cell)/float64(cell)
	fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	at := func(i, j int) float64 {
		return float64(mix(uint64(z), uint64(i), uint64(j))>>11) / (1 << 53)
	}
	top := at(ix, iy) + (at(ix+1, iy)-at(ix, iy))*fx
	bottom := at(ix, iy+1) + (at(ix+1, iy+1)-at(ix, iy+1))*fx
	return top + (bottom-top)*fy
}

// getTile answers GET /tiles/{z}/{x}/{y}.png.
func (s *Server) getTile(c *fiber.Ctx) error {
	var zxy [3]int
	for i, name := range []string{"z", "x", "y"} {
		raw := c.Params(name)
		v, err := strconv.Atoi(raw)
		if err != nil {
			return unprocessable(fmt.Sprintf("tile %s: want an integer, got %q", name, raw))
		}
		zxy[i] = v
	}
	z, x, y := zxy[0], zxy[1], zxy[2]
	if z < 0 || z > MaxZoom {
		return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("tile zoom %d out of range 0..%d", z, MaxZoom))
	}
	if last := 1<<z - 1; x < 0 || x > last || y < 0 || y > last {
		return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("tile %d/%d/%d: x and y must be 0..%d at zoom %d", z, x, y, last, z))
	}
	if err := s.wait(c, StatTiles); err != nil {
		return err
	}
	b, err := renderTile(z, x, y)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(b)
}
