package notebooks

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-async-workshop/workshop/notebooks/ipynb"
)

func init() {
	register("06_companion_examples", checkCompanion, computes, // the server draws the tiles
		wrong("paced but sequential: each download waits for the one before", `import "golang.org/x/time/rate"

// politeTiles downloads the tiles one after another, one per token.
func politeTiles(ctx context.Context, c *videoapi.Client, tiles []tileXY, perSecond float64) ([][]byte, error) {
	limiter := rate.NewLimiter(rate.Limit(perSecond), 1)
	pngs := make([][]byte, len(tiles))
	for i, t := range tiles {
		if err := limiter.Wait(ctx); err != nil {
			return nil, err
		}
		png, err := c.Tile(ctx, t.z, t.x, t.y)
		if err != nil {
			return nil, err
		}
		pngs[i] = png
	}
	return pngs, nil
}`, "ever waited for the server at once: start each download in its own goroutine"))
}

// Sizes of notebook 06's examples.
const (
	companionPosts      = 10   // posts fetched both ways
	companionMaxConns   = 10   // MAX_CONNECTIONS
	companionTiles      = 20   // tiles of the map block
	companionMapW       = 1280 // 5 tiles of 256 pixels across
	companionMapH       = 1024 // 4 down
	companionLimit      = 10   // the downloader's semaphore
	companionGoroutines = 100000
)

// checkCompanion: the classic examples show their lesson. Two sleeps overlap
// (2 s -> 1 s); ten posts one by one alternate start and finish while
// concurrently they all start before most finish and the server has them at
// once; twenty tiles at once are several times faster and make a whole map;
// the semaphore holds the server at its limit; 100,000 blocked goroutines
// cost a few KiB each, far below a thread's stack, and are gone after the
// channel is closed.
func checkCompanion(t *testing.T, nb *ipynb.Notebook) {
	requireText(t, nb, "server is up at ")
	atoi := func(s string) int { v, _ := strconv.Atoi(s); return v }
	atof := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }

	// 1. Sleeping tasks: the first "Finished in" is one after the other,
	// the second together.
	fin := regexp.MustCompile(`Finished in ([0-9.]+) s`).FindAllStringSubmatch(nb.Text(), -1)
	if len(fin) != 2 {
		t.Fatalf("want two \"Finished in\" lines (sleeping tasks), got %d", len(fin))
	}
	if seq, con := atof(fin[0][1]), atof(fin[1][1]); con <= 0 || seq/con < 1.7 || seq/con > 2.2 {
		t.Errorf("sleeping tasks: %.2fs one after the other, %.2fs together: want about half the time", seq, con)
	}

	// 2. Posts.
	oneByOne, together := mustRun(t, nb, "posts one by one"), mustRun(t, nb, "posts together")
	if p := oneByOne.Server["posts"]; p.Served != companionPosts || p.PeakInFlight != 1 {
		t.Errorf("posts one by one: server saw %+v, want %d answers one at a time", p, companionPosts)
	}
	if p := together.Server["posts"]; p.Served != companionPosts || p.PeakInFlight < companionPosts/2 || p.PeakInFlight > companionMaxConns {
		t.Errorf("posts together: server saw %+v, want %d answers, most of them at once and never more than %d", p, companionPosts, companionMaxConns)
	}
	if r := oneByOne.WallSeconds / together.WallSeconds; r < 3 {
		t.Errorf("posts: one by one %.2fs, together %.2fs: speed-up %.1fx, want several times", oneByOne.WallSeconds, together.WallSeconds, r)
	}
	lines := postLines(t, nb)
	if len(lines) != 2 {
		t.Fatalf("want two cells printing \"Fetching post\" lines, got %d", len(lines))
	}
	for i, l := range lines[0] { // one by one: start k, finish k, start k+1, ...
		want := "Fetching"
		if i%2 == 1 {
			want = "Fetched"
		}
		if id := i/2 + 1; l.verb != want || l.id != id {
			t.Errorf("posts one by one, line %d: %s post %d, want %s post %d", i+1, l.verb, l.id, want, id)
		}
	}
	started := 0 // concurrently: starts printed before the first finish
	for _, l := range lines[1] {
		if l.verb == "Fetched" {
			break
		}
		started++
	}
	if len(lines[1]) != 2*companionPosts || started < companionPosts/2 {
		t.Errorf("posts together: %d lines, %d starts before the first finish: want %d lines, most starts first", len(lines[1]), started, 2*companionPosts)
	}

	// 3. Tiles.
	seq, con := mustRun(t, nb, "tiles one by one"), mustRun(t, nb, "tiles together")
	if s := seq.Server["tiles"]; s.Served != companionTiles || s.PeakInFlight != 1 {
		t.Errorf("tiles one by one: server saw %+v, want %d answers one at a time", s, companionTiles)
	}
	// The server draws each tile on the same cores, and holds a request in
	// its counters only for the modelled wait: at a small latency scale on a
	// busy machine the drawing, not the wait, sets the pace, and fewer of the
	// 20 are seen waiting together; the client had more of them in flight.
	if s := con.Server["tiles"]; s.Served != companionTiles || s.PeakInFlight < 4 {
		t.Errorf("tiles together: server saw %+v, want %d answers, many at once", s, companionTiles)
	}
	// Every request the server held at once was inside its span on the
	// timeline: a bound that holds however late a busy machine starts the
	// last goroutine (the first tile can be back before it leaves).
	if st, ok := con.Step("get tile"); !ok || st.Count != companionTiles || st.AtOnce < con.Server["tiles"].PeakInFlight {
		t.Errorf("tiles together: timeline %+v, want %d requests, at least as many in flight together as the server held (%d)", st, companionTiles, con.Server["tiles"].PeakInFlight)
	}
	if r := seq.WallSeconds / con.WallSeconds; r < 1.5 {
		t.Errorf("tiles: one by one %.2fs, together %.2fs: speed-up %.1fx, want clearly faster", seq.WallSeconds, con.WallSeconds, r)
	}
	if cmp := comparisonOf(t, nb); len(cmp.Runs) != 2 || len(cmp.Missing) > 0 {
		t.Errorf("the tiles comparison shows %d runs (missing %v), want both", len(cmp.Runs), cmp.Missing)
	}
	checkMap(t, nb)
	// The exercise's downloader draws the map again once it works; on the
	// untouched notebook, the cell says so.
	requireText(t, nb, "politeTiles returned 0 tiles, not 20: finish the exercise above first")

	// 4. The downloader with a semaphore.
	dl := mustRun(t, nb, "limited download")
	tiles := dl.Server["tiles"]
	if tiles.PeakInFlight > companionLimit || tiles.PeakInFlight < companionLimit/2 || tiles.Served < companionLimit {
		t.Errorf("limited download: server saw %+v, want at most %d at once and busy", tiles, companionLimit)
	}
	if st, ok := dl.Step("get tile"); !ok || st.Count != tiles.Served || st.AtOnce > companionLimit {
		t.Errorf("limited download: timeline %+v, want %d downloads, at most %d at once", st, tiles.Served, companionLimit)
	}

	// 5. 100,000 goroutines.
	text := nb.Text()
	m := regexp.MustCompile(`started (\d+) goroutines in [0-9.]+ s; (\d+) goroutines are running`).FindStringSubmatch(text)
	stack := regexp.MustCompile(`stack memory in use: +\+[0-9.]+ MiB = ([0-9.]+) KiB per goroutine`).FindStringSubmatch(text)
	sys := regexp.MustCompile(`memory from the OS \(Sys\): \+[0-9.]+ MiB = ([0-9.]+) KiB per goroutine`).FindStringSubmatch(text)
	gone := regexp.MustCompile(`closed the channel: goroutines running now (\d+), before we started (\d+)`).FindStringSubmatch(text)
	if m == nil || stack == nil || sys == nil || gone == nil {
		t.Fatal("the goroutine measurement lines are missing")
	}
	if atoi(m[1]) != companionGoroutines || atoi(m[2]) < companionGoroutines {
		t.Errorf("goroutines: started %s, %s running: want %d running", m[1], m[2], companionGoroutines)
	}
	// Go starts a goroutine with 2 KiB of stack; the runtime's record of it
	// adds a little. A thread's kernel stack alone is 16 KiB.
	if s := atof(stack[1]); s < 1.5 || s > 8 {
		t.Errorf("stack per goroutine %.1f KiB, want about 2", s)
	}
	if s, all := atof(stack[1]), atof(sys[1]); all < s || all > 32 {
		t.Errorf("memory per goroutine from the OS %.1f KiB (stack %.1f KiB): want a few KiB, below a thread's 16 KiB kernel stack", all, s)
	}
	if after, before := atoi(gone[1]), atoi(gone[2]); after > before {
		t.Errorf("after closing the channel %d goroutines run, %d did before: they are not all gone", after, before)
	}
}

// postLine is one "Fetching post N" or "Fetched post N" line.
type postLine struct {
	verb string
	id   int
}

var postLineRe = regexp.MustCompile(`(?m)^[0-9.]+ s  (Fetching|Fetched) post (\d+)$`)

// postLines returns the post lines of each cell that prints them, in order.
func postLines(t *testing.T, nb *ipynb.Notebook) [][]postLine {
	t.Helper()
	var cells [][]postLine
	for _, c := range nb.Cells {
		var lines []postLine
		for _, m := range postLineRe.FindAllStringSubmatch(c.Text(), -1) {
			id, _ := strconv.Atoi(m[2])
			lines = append(lines, postLine{m[1], id})
		}
		if len(lines) > 0 {
			cells = append(cells, lines)
		}
	}
	return cells
}

// checkMap finds the map picture and checks it is the whole block.
func checkMap(t *testing.T, nb *ipynb.Notebook) {
	t.Helper()
	requireText(t, nb, "the map: 20 tiles, 1280 x 1024 pixels")
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			b64, ok := o.Data["image/png"]
			if !ok {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
			if err != nil {
				t.Fatalf("%s: the picture is not base64: %v", nb.Where(c), err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: the picture is not a PNG: %v", nb.Where(c), err)
			}
			if cfg.Width != companionMapW || cfg.Height != companionMapH {
				t.Errorf("%s: the map is %dx%d, want %dx%d", nb.Where(c), cfg.Width, cfg.Height, companionMapW, companionMapH)
			}
			return
		}
	}
	t.Error("the map picture (image/png) is missing")
}
