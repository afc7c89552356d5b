package mosaic

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// tile returns a PNG of w x h pixels filled with c.
func tile(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAssemblePlacesTilesRowByRow(t *testing.T) {
	colors := []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {9, 9, 9, 255}, {200, 100, 0, 255}, {0, 100, 200, 255}}
	var tiles [][]byte
	for _, c := range colors {
		tiles = append(tiles, tile(t, 4, 3, c))
	}
	tests := []struct {
		cols, wantW, wantH int
	}{
		{cols: 3, wantW: 12, wantH: 6},
		{cols: 2, wantW: 8, wantH: 9},
		{cols: 6, wantW: 24, wantH: 3},
		{cols: 1, wantW: 4, wantH: 18},
	}
	for _, tt := range tests {
		img, err := Assemble(tt.cols, tiles)
		if err != nil {
			t.Fatalf("cols %d: %v", tt.cols, err)
		}
		if got := img.Bounds().Size(); got.X != tt.wantW || got.Y != tt.wantH {
			t.Errorf("cols %d: size %v, want %dx%d", tt.cols, got, tt.wantW, tt.wantH)
		}
		for i, c := range colors {
			// Every pixel of tile i's square has tile i's colour.
			x0, y0 := i%tt.cols*4, i/tt.cols*3
			for _, p := range []image.Point{{x0, y0}, {x0 + 3, y0 + 2}, {x0 + 1, y0 + 1}} {
				if got := img.RGBAAt(p.X, p.Y); got != c {
					t.Errorf("cols %d: pixel %v = %v, want tile %d's %v", tt.cols, p, got, i, c)
				}
			}
		}
	}
}

func TestAssembleRejectsBadInput(t *testing.T) {
	red := tile(t, 4, 4, color.RGBA{255, 0, 0, 255})
	small := tile(t, 2, 4, color.RGBA{0, 0, 255, 255})
	tests := []struct {
		name  string
		cols  int
		tiles [][]byte
		want  string
	}{
		{"no tiles", 1, nil, "no tiles"},
		{"zero columns", 0, [][]byte{red}, "do not fill rows"},
		{"incomplete row", 2, [][]byte{red, red, red}, "do not fill rows"},
		{"not a PNG", 2, [][]byte{red, []byte("<html>")}, "tile 1"},
		{"empty tile", 2, [][]byte{red, nil}, "tile 1 is empty"},
		{"mixed sizes", 2, [][]byte{red, small}, "tile 1 is 2x4"},
		{"too many", 1, make([][]byte, MaxTiles+1), "at most"},
	}
	for _, tt := range tests {
		img, err := Assemble(tt.cols, tt.tiles)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tt.name, err, tt.want)
		}
		if img != nil {
			t.Errorf("%s: returned an image with the error", tt.name)
		}
	}
}
