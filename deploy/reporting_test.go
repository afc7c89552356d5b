package deploy

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-async-workshop/workshop/deploy/board"
	"github.com/go-async-workshop/workshop/internal/percentile"
	"github.com/go-async-workshop/workshop/notebooks/kernelclient"
	"github.com/go-async-workshop/workshop/notebooks/nbrun"
)

// ReportDeadline is how soon after a test cell ends the board must have its
// result.
const ReportDeadline = 5 * time.Second

// JupyterStartTimeout bounds an attendee server's start on a busy machine.
const JupyterStartTimeout = 3 * time.Minute

// The cells the reporting tests run: GoNB cells of the kind the exercises
// end with, plus an ordinary one.
const (
	cellSetup = "%noautoget"
	cellPlain = "%%\nfmt.Println(\"hello\")"
	cellGreen = "import \"testing\"\n\nfunc TestGreen(t *testing.T) {}\n\n%test"
	cellRed   = "import \"testing\"\n\nfunc TestRed(t *testing.T) { t.Error(\"not yet\") }\n\n%test"
	notebook  = "00_start_here.ipynb"
)

var flagCostCells = flag.Int("cost-cells", 15, "BenchmarkReportingCost: how many times each kind of cell runs in each configuration")

// attendeeBoard is a class board in this process, its hub faked: the token
// "ann-token" is the attendee ann's.
func attendeeBoard(t testing.TB) (*board.State, string) {
	t.Helper()
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hub/api/user" || r.Header.Get("Authorization") != "token ann-token" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		_ = json.NewEncoder(w).Encode(board.Identity{Kind: "user", Name: "ann"})
	}))
	t.Cleanup(hub.Close)
	st := board.NewState(0)
	srv := httptest.NewServer(&board.Server{Prefix: "/services/board/", State: st,
		Hub: &board.Hub{API: hub.URL + "/hub/api", Token: "board-token"}})
	t.Cleanup(srv.Close)
	return st, srv.URL + "/services/board/"
}

// hangingBoard accepts connections and never answers: a board that is down
// in the worst way.
func hangingBoard(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return "http://" + ln.Addr().String() + "/services/board/"
}

// attendeeServer starts a Jupyter server with the start mechanism's
// configuration (deploy/jupyter) and boardURL as its board ("" for none),
// and opens a GoNB kernel for notebook 00 in it.
func attendeeServer(ctx context.Context, t testing.TB, boardURL string) (*kernelclient.Local, *kernelclient.Kernel) {
	t.Helper()
	root := repoRoot(t)
	tools, err := nbrun.FindTools(root)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	// The machine's Go build cache, not an empty one in the new home.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOCACHE: %v", err)
	}
	env := append(slices.Clone(tools.Env), "HOME="+home, "TMPDIR="+home, "GOCACHE="+strings.TrimSpace(string(gocache)),
		"JUPYTER_CONFIG_DIR="+filepath.Join(home, ".jupyter"),
		"JUPYTER_CONFIG_PATH="+filepath.Join(root, "deploy", "jupyter"),
		"WORKSHOP_SOURCE="+filepath.Join(home, "none"), // nothing to copy
		"WORKSHOP_VIDEO_SERVER_BIN=/bin/true",          // no mock server: these cells need none
		"VIDEO_SERVER_ADDR=127.0.0.1:"+fmt.Sprint(freePort(t)))
	if boardURL != "" {
		env = append(env, "WORKSHOP_BOARD_URL="+boardURL, "JUPYTERHUB_API_TOKEN=ann-token")
	}
	log, err := os.Create(filepath.Join(home, "jupyter.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := kernelclient.Start(ctx, kernelclient.Options{Jupyter: tools.Jupyter, Env: env, Root: home, Log: log,
		StartTimeout: JupyterStartTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop(); log.Close() })
	k, err := srv.Open(ctx, notebook, "gonb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close(context.Background()) })
	if _, err := k.Execute(ctx, cellSetup); err != nil {
		t.Fatal(err)
	}
	return srv, k
}

// run runs one cell and fails the test if it cannot.
func run(ctx context.Context, t testing.TB, k *kernelclient.Kernel, code string) kernelclient.Run {
	t.Helper()
	r, err := k.Execute(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReporting runs an attendee's cells in a Jupyter server with the start
// mechanism and a board: an ordinary cell, a passing test and a failing test
// each reach the board within ReportDeadline, under the attendee's name from
// the token. The server's launcher has the "Raise my hand" tile, whose page
// raises the hand on the board (raiseHand). With a board that never
// answers, the same cells run and give the same results.
func TestReporting(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Jupyter servers with GoNB kernels (make setup); skipped in -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	st, url := attendeeBoard(t)
	srv, k := attendeeServer(ctx, t, url)
	waitRow := func(what string, ok func(board.Row) bool) {
		t.Helper()
		deadline := time.Now().Add(ReportDeadline)
		for {
			if rows := st.Snapshot().Rows; len(rows) == 1 && ok(rows[0]) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the board did not show %s within %v: %+v", what, ReportDeadline, st.Snapshot().Rows)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, c := range []struct {
		name, code, want string
	}{
		{"a cell", cellPlain, ""},
		{"a passing test", cellGreen, "green"},
		{"a failing test", cellRed, "red"},
	} {
		r := run(ctx, t, k, c.code)
		if (c.want == "red") != (r.Status != "ok") {
			t.Fatalf("%s: the kernel answered %s:\n%s", c.name, r.Status, r.Text())
		}
		waitRow(c.name, func(row board.Row) bool {
			return row.Name == "ann" && row.Notebook == notebook && row.LastCell != 0 && row.Exercises["00"].State == c.want
		})
	}

	raiseHand(ctx, t, srv, waitRow)

	_, hung := attendeeServer(ctx, t, hangingBoard(t))
	for _, c := range []struct{ code, want string }{{cellPlain, "ok"}, {cellGreen, "ok"}, {cellRed, "error"}} {
		if r := run(ctx, t, hung, c.code); r.Status != c.want {
			t.Errorf("with the board hanging, a cell answered %s, want %s:\n%s", r.Status, c.want, r.Text())
		}
	}
}

// BenchmarkReportingCost measures what reporting adds to a cell: three
// attendee servers (no board, a board, a board that never answers) take
// turns running the same cells, an ordinary one and a test (each round led
// by the next server), and the per-cell p50 of each is printed with its
// ratio to the server without a board.
//
//	go test ./deploy -run '^$' -bench ReportingCost -benchtime 1x
func BenchmarkReportingCost(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	_, url := attendeeBoard(b)
	configs := []struct {
		name string
		k    *kernelclient.Kernel
	}{
		{"no board", second(attendeeServer(ctx, b, ""))},
		{"board", second(attendeeServer(ctx, b, url))},
		{"board hanging", second(attendeeServer(ctx, b, hangingBoard(b)))},
	}
	for range b.N {
		for _, cell := range []struct{ name, code string }{{"ordinary cell", cellPlain}, {"test cell", cellGreen}} {
			times := make([][]time.Duration, len(configs))
			for round := range *flagCostCells {
				// Each round starts with the next configuration, so that
				// none is always first after a pause.
				for j := range configs {
					i := (round + j) % len(configs)
					times[i] = append(times[i], run(ctx, b, configs[i].k, cell.code).Elapsed)
				}
			}
			median := func(ds []time.Duration) time.Duration { return percentile.Of(ds, 50) }
			base := median(times[0])
			for i, c := range configs {
				// The median of the round-by-round differences to the server
				// without a board: each round's cells ran a moment apart, so
				// the machine's load changes less between them than over the
				// whole run.
				diffs := make([]time.Duration, len(times[i]))
				for r := range diffs {
					diffs[r] = times[i][r] - times[0][r]
				}
				fmt.Printf("%-13s %-14s p50 %6.0f ms  (%.3f of no board; paired difference, median %+5.1f ms)\n", cell.name, c.name,
					float64(median(times[i]).Microseconds())/1000, float64(median(times[i]))/float64(base),
					float64(percentile.Of(diffs, 50).Microseconds())/1000)
			}
		}
	}
}

// second returns the second of two values.
func second[A, B any](_ A, b B) B { return b }

// raiseHand finds the "Raise my hand" tile among the server's launcher
// entries, opens its page through the server's proxy, and raises the hand
// with its button's request; the board must show it. The same request
// without the page's header (a form of another site) is refused.
func raiseHand(ctx context.Context, t *testing.T, srv *kernelclient.Local, waitRow func(string, func(board.Row) bool)) {
	var servers struct {
		ServerProcesses []struct {
			Name          string `json:"name"`
			LauncherEntry struct {
				Title    string `json:"title"`
				PathInfo string `json:"path_info"`
			} `json:"launcher_entry"`
		} `json:"server_processes"`
	}
	if err := srv.API(ctx, http.MethodGet, "server-proxy/servers-info", nil, &servers); err != nil {
		t.Fatal(err)
	}
	tile := ""
	for _, p := range servers.ServerProcesses {
		if p.LauncherEntry.Title == "Raise my hand" {
			tile = p.LauncherEntry.PathInfo
		}
	}
	if tile != "raise-hand/" {
		t.Fatalf("no \"Raise my hand\" tile opening raise-hand/ among %+v", servers.ServerProcesses)
	}
	send := func(method, path string, h http.Header) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, nil)
		req.Header = h
		req.Header.Set("Authorization", "token "+srv.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := send(http.MethodGet, tile, http.Header{}); code != http.StatusOK || !strings.Contains(body, "Your hand is down.") {
		t.Fatalf("the hand page: %d\n%.300s", code, body)
	}
	if code, _ := send(http.MethodPost, tile+"raise", http.Header{}); code != http.StatusForbidden {
		t.Errorf("raising the hand without the page's header: %d, want 403", code)
	}
	if code, body := send(http.MethodPost, tile+"raise", http.Header{"X-Workshop-Hand": {"1"}}); code != http.StatusOK {
		t.Fatalf("raising the hand: %d %s", code, body)
	}
	waitRow("ann's hand up", func(r board.Row) bool { return r.Hand != 0 })
}
