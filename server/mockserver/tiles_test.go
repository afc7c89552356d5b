package mockserver

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"testing"
)

// referenceTerrain is the tile colour rule written pixel by pixel, the way it
// reads: a road row, else a road column, else land cover from two octaves of
// value noise. renderTile must draw exactly this.
func referenceTerrain(z, gx, gy int) uint8 {
	if c, ok := roadAt(z, gy, 0); ok {
		return c
	}
	if c, ok := roadAt(z, gx, 1); ok {
		return c
	}
	return landCover(0.65*referenceNoise(z, gx, gy, noiseCell) + 0.35*referenceNoise(z+64, gx, gy, noiseCell/3))
}

// referenceNoise is value noise at one pixel, hashing its four lattice points.
func referenceNoise(z, gx, gy, cell int) float64 {
	ix, iy := gx/cell, gy/cell
	fx, fy := float64(gx%cell)/float64(cell), float64(gy%cell)/float64(cell)
	fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	top := latticeValue(z, ix, iy) + (latticeValue(z, ix+1, iy)-latticeValue(z, ix, iy))*fx
	bottom := latticeValue(z, ix, iy+1) + (latticeValue(z, ix+1, iy+1)-latticeValue(z, ix, iy+1))*fx
	return top + (bottom-top)*fy
}

func TestRenderTileMatchesReference(t *testing.T) {
	tests := []struct{ z, x, y int }{
		{0, 0, 0},
		{1, 1, 0},
		{5, 7, 9},
		{13, 1300, 2920}, // the workshop's block
		{13, 1304, 2923},
		{17, 3, 99999},
		{20, 1<<20 - 1, 1<<20 - 1}, // the last tile of the deepest zoom
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d/%d/%d", tc.z, tc.x, tc.y), func(t *testing.T) {
			b, err := renderTile(tc.z, tc.x, tc.y)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			p, ok := img.(*image.Paletted)
			if !ok {
				t.Fatalf("decoded a %T, want a paletted image", img)
			}
			colours := map[uint8]int{}
			for py := range tileSize {
				for px := range tileSize {
					got := p.ColorIndexAt(px, py)
					want := referenceTerrain(tc.z, tc.x*tileSize+px, tc.y*tileSize+py)
					if got != want {
						t.Fatalf("pixel %d,%d = colour %d, the reference says %d", px, py, got, want)
					}
					colours[got]++
				}
			}
			if len(colours) < 2 {
				t.Errorf("tile has a single colour: %v", colours)
			}
		})
	}
}

// BenchmarkRenderTile measures drawing and encoding one tile of the
// workshop's block.
func BenchmarkRenderTile(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, err := renderTile(13, 1300+i%5, 2920+i/5%4); err != nil {
			b.Fatal(err)
		}
	}
}
