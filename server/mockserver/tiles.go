package mockserver

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/go-async-workshop/workshop/internal/endpoints"
)

// Tile geometry, and the limit on drawing.
const (
	// maxTileRenders bounds the tiles drawn at once; more requests wait
	// for a turn (still inside their modelled latency while drawing is
	// quick).
	maxTileRenders = 4
	tileSize       = 256 // pixels per side
	maxZoom        = 20  // deepest zoom level served
	noiseCell      = 96  // pixels between lattice points of the terrain noise
	roadEvery      = 64  // pixels between candidate roads
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
//
// Each pixel's colour is defined by one rule (a road row, else a road column,
// else land cover from two octaves of value noise; the package's tests keep
// that rule pixel by pixel as the reference). renderTile evaluates the roads
// once per row and column and hashes each noise lattice point once, which
// makes a tile several times cheaper to draw than asking per pixel.
func renderTile(z, x, y int) ([]byte, error) {
	x0, y0 := x*tileSize, y*tileSize
	coarse := newLattice(z, x0, y0, noiseCell)
	fine := newLattice(z+64, x0, y0, noiseCell/3)
	var columns [tileSize]int16 // road colour of each column, or -1
	for px := range columns {
		columns[px] = -1
		if c, ok := roadAt(z, x0+px, 1); ok {
			columns[px] = int16(c)
		}
	}
	img := image.NewPaletted(image.Rect(0, 0, tileSize, tileSize), tilePalette)
	for py := range tileSize {
		gy := y0 + py
		row := img.Pix[py*img.Stride : py*img.Stride+tileSize]
		if c, ok := roadAt(z, gy, 0); ok {
			for px := range row {
				row[px] = c
			}
			continue
		}
		for px := range row {
			if c := columns[px]; c >= 0 {
				row[px] = uint8(c)
				continue
			}
			gx := x0 + px
			row[px] = landCover(0.65*coarse.at(gx, gy) + 0.35*fine.at(gx, gy))
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// landCover is the colour of terrain noise n away from roads.
func landCover(n float64) uint8 {
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

// latticeValue is the noise value in 0..1 at lattice point i, j of layer z.
func latticeValue(z, i, j int) float64 {
	return float64(mix(uint64(z), uint64(i), uint64(j))>>11) / (1 << 53)
}

// lattice holds the values of the lattice points (every cell pixels) that
// cover one tile whose top-left world pixel is x0, y0.
type lattice struct {
	cell, ix0, iy0, width int
	v                     []float64 // row by row
}

func newLattice(z, x0, y0, cell int) *lattice {
	l := &lattice{cell: cell, ix0: x0 / cell, iy0: y0 / cell}
	l.width = (x0+tileSize-1)/cell + 2 - l.ix0
	height := (y0+tileSize-1)/cell + 2 - l.iy0
	l.v = make([]float64, l.width*height)
	for j := range height {
		for i := range l.width {
			l.v[j*l.width+i] = latticeValue(z, l.ix0+i, l.iy0+j)
		}
	}
	return l
}

// at is smooth value noise in 0..1 at world pixel gx, gy: the lattice values
// around it, blended with a smoothstep in each direction.
func (l *lattice) at(gx, gy int) float64 {
	cell := l.cell
	ix, iy := gx/cell-l.ix0, gy/cell-l.iy0
	fx, fy := float64(gx%cell)/float64(cell), float64(gy%cell)/float64(cell)
	fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	v := l.v[iy*l.width+ix:]
	top := v[0] + (v[1]-v[0])*fx
	bottom := v[l.width] + (v[l.width+1]-v[l.width])*fx
	return top + (bottom-top)*fy
}

// getTile answers GET /tiles/{z}/{x}/{y}.png.
func (s *server) getTile(c *fiber.Ctx) error {
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
	if z < 0 || z > maxZoom {
		return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("tile zoom %d out of range 0..%d", z, maxZoom))
	}
	if last := 1<<z - 1; x < 0 || x > last || y < 0 || y > last {
		return fiber.NewError(fiber.StatusNotFound, fmt.Sprintf("tile %d/%d/%d: x and y must be 0..%d at zoom %d", z, x, y, last, z))
	}
	// Draw the tile once the gate holds the request, inside its modelled
	// latency (drawing takes a few milliseconds of the 170), and never more
	// than maxTileRenders at once, so a flood of tile requests cannot take
	// every core.
	var (
		png     []byte
		drawErr error
	)
	draw := func() {
		s.renders <- struct{}{}
		defer func() { <-s.renders }()
		png, drawErr = s.drawTile(z, x, y)
	}
	if err := s.wait(c, endpoints.Tiles, draw); err != nil {
		return err
	}
	if drawErr != nil {
		return drawErr
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}
