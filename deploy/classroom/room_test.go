package classroom

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/go-async-workshop/workshop/server/mockserver"
	"github.com/go-async-workshop/workshop/snippets/instrument/measure"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

// The room moment, as TestClassroomRoom runs it.
const (
	// RoomAttendees run notebook 01's burst together.
	RoomAttendees = 3
	// Burst is how many requests notebook 01's "100 at once" cell sends.
	Burst = 100
	// RoomScale is the shared server's latency scale: the talk's own, so
	// that a burst holds the queue for tens of seconds, longer than the
	// cells of a busy machine take to start one after another.
	RoomScale = "1"
	// BurstMarker finds the "100 at once" cell of notebook 01.
	BurstMarker = `measure.Start(ctx, client, "unlimited"`
	// RoomTimeout bounds the whole moment.
	RoomTimeout = 15 * time.Minute
)

// roomGate is the video gate in the shared server's GET /stats.
type roomGate struct {
	videoapi.EndpointStats
	Clients map[string]videoapi.EndpointStats `json:"clients"`
}

// roomOf is the class's room: its folder, socket and room file.
type roomPaths struct{ Dir, Socket, URLFile string }

func roomOf(h *hub) roomPaths {
	dir := filepath.Join(h.Dir, "room")
	return roomPaths{dir, filepath.Join(dir, "server", "video.sock"), filepath.Join(dir, "url")}
}

// hostCommand runs `make classroom-room MODE=mode`'s script as the host.
func hostCommand(t *testing.T, h *hub, mode string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(repoRoot(t), "scripts", "classroom-room.sh"), mode)
	cmd.Env = h.cmd.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("classroom-room.sh %s: %v\n%s", mode, err, out)
	}
	return string(out)
}

// roomStats reads the shared server's video gate as the host.
func roomStats(t *testing.T, sock string) roomGate {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
	resp, err := c.Get("http://room/stats")
	if err != nil {
		t.Fatalf("the room's server: %v", err)
	}
	defer resp.Body.Close()
	var st map[string]roomGate
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("GET /stats: %v", err)
	}
	return st["video"]
}

// patchAttack changes a video's warnings on a server on a Unix socket.
func patchAttack(name, sock, id string) attack {
	body := `{"warnings": []}`
	return attack{name,
		fmt.Sprintf("curl -fsS -o /dev/null -X PATCH -H 'Content-Type: application/json' -d '%s' --unix-socket %q http://server/videos/%s", body, sock, id),
		fmt.Sprintf(`c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return net.Dial("unix", %q) }}}
	req, _ := http.NewRequest("PATCH", "http://server/videos/%s", strings.NewReader(%q))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil { return err }
	resp.Body.Close()
	if resp.StatusCode/100 != 2 { return fmt.Errorf("%%s", resp.Status) }
	return nil`, sock, id, body)}
}

// TestClassroomRoom runs the room moment in a real class of three: the host
// switches room mode on, each attendee's kernel (after a restart) talks to
// the one server the room shares, all three run notebook 01's "100 at once"
// cell together, and the shared server queues all three bursts at once,
// counted per attendee, while the host's dashboard (Chromium, through the
// hub) shows the three names. The room's walls are attacked from an
// attendee's cell and tried by the host; switching back returns every
// kernel to its own server.
func TestClassroomRoom(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a JupyterHub class with GoNB kernels and Chromium (make setup); skipped in -short (the fast layer)")
	}
	if os.Geteuid() != 0 {
		t.Fatalf("the room's walls are only up when the classroom runs as root: run `make test` as root, as CI does")
	}
	// Registered first, so it runs after the class is reset: nothing of the
	// room is left, its group neither (userdel leaves it while it has members).
	roomGroup := ""
	t.Cleanup(func() {
		if _, err := user.LookupGroup(roomGroup); roomGroup != "" && err == nil {
			t.Errorf("the room's group %s is still there after make classroom-reset", roomGroup)
		}
	})
	h := startHub(t, "VIDEO_SERVER_LATENCY_SCALE="+LatencyScale, "CLASSROOM_ROOM_LATENCY_SCALE="+RoomScale,
		fmt.Sprintf("CLASSROOM_MAX_SERVERS=%d", RoomAttendees))
	roomGroup = h.Prefix + "_room"
	room := roomOf(h)
	ctx, cancel := withTimeout(t, RoomTimeout)
	defer cancel()

	// Three attendees join and get their servers, at once.
	people := make([]*attendee, RoomAttendees)
	ownURL := make([]string, RoomAttendees)
	errs := make([]error, RoomAttendees)
	var wg sync.WaitGroup
	for i := range people {
		people[i] = newAttendee(h, fmt.Sprintf("attendee%d", i+1))
		wg.Go(func() {
			if errs[i] = people[i].join(ctx); errs[i] == nil {
				_, errs[i] = people[i].spawn(ctx)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", people[i].Name, err)
		}
		ownURL[i] = "unix://" + filepath.Join(h.Dir, "homes", h.Prefix+people[i].Name, ".video-server.sock")
	}

	// The mode starts off; the host turns it on.
	if _, err := os.Stat(room.URLFile); !os.IsNotExist(err) {
		t.Errorf("the room file exists before the host switched room mode on: %v", err)
	}
	t.Logf("host: %s", strings.TrimSpace(hostCommand(t, h, "on")))

	cells, _, err := people[0].fetchNotebook(ctx, Notebook)
	if err != nil {
		t.Fatal(err)
	}
	burst := -1
	for i, c := range cells {
		if c.Type == "code" && strings.Contains(c.Source, BurstMarker) {
			burst = i
		}
	}
	if burst < 0 {
		t.Fatalf("%s has no cell with %q", Notebook, BurstMarker)
	}

	// Each opens notebook 01 (a kernel started now, in room mode) and runs
	// it up to the burst.
	kernels := make([]*kernel, RoomAttendees)
	for i, a := range people {
		wg.Go(func() {
			k, err := a.openNotebook(ctx, Notebook)
			if err != nil {
				errs[i] = err
				return
			}
			kernels[i] = k
			_, errs[i] = k.runAll(ctx, cells[:burst], 0)
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, k := range kernels {
			if k != nil {
				_ = k.close(context.Background())
			}
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s, up to the burst: %v", people[i].Name, err)
		}
		if got := kernelAPIURL(t, ctx, kernels[i]); got != "unix://"+room.Socket {
			t.Errorf("%s's kernel in room mode uses VIDEO_API_URL=%q, want the room's unix://%s", people[i].Name, got, room.Socket)
		}
	}

	t.Run("walls", func(t *testing.T) { checkRoomWalls(t, h, room, people) })

	// The host's dashboard, opened before the burst.
	page := hostDashboard(t, h)

	// The host zeroes the room's counters; then everyone runs the burst.
	hostCommand(t, h, "reset")
	outs := make([]string, RoomAttendees)
	start := make(chan struct{})
	for i, k := range kernels {
		wg.Go(func() {
			<-start
			r, err := k.execute(ctx, cells[burst].Source)
			errs[i], outs[i] = err, outputsText(r)
		})
	}
	close(start)
	names := waitDashboardNames(t, page, people)
	// The picture once the three bursts have queued (or the first has
	// drained): the page follows the server within a second.
	for deadline := time.Now().Add(BrowserCellTimeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if st := roomStats(t, room.Socket); st.PeakWaiting > 2*Burst-mockserver.VideoCapacity || st.Served > 0 {
			break
		}
	}
	time.Sleep(time.Second)
	shot := filepath.Join(repoRoot(t), "artifacts", "room", "dashboard-room.png")
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err == nil {
		if png, err := page.Screenshot(false, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng}); err == nil {
			_ = os.WriteFile(shot, png, 0o644)
		}
	}
	t.Logf("the host's dashboard shows %q (screenshot %s)", names, shot)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s's burst: %v", people[i].Name, err)
		}
		if !strings.Contains(outs[i], measure.RoomNote) {
			t.Errorf("%s's burst report does not say its figures are the room's:\n%s", people[i].Name, clip(outs[i], 2000))
		}
	}

	// The model: 10 slots, so n requests at once leave n-10 waiting. Two
	// attendees' bursts leave at most 190; all three queued together make
	// more, up to 290.
	st := roomStats(t, room.Socket)
	c := mockserver.VideoCapacity
	lo, hi := 2*Burst-c, RoomAttendees*Burst-c
	t.Logf("the room's server: peak %d waiting (model: %d < peak <= %d), peak %d in flight, %d served; by attendee %+v", st.PeakWaiting, lo, hi, st.PeakInFlight, st.Served, st.Clients)
	if st.PeakWaiting <= lo || st.PeakWaiting > hi {
		t.Errorf("peak waiting %d, want more than %d (all three bursts queued at once) and at most %d", st.PeakWaiting, lo, hi)
	}
	if st.PeakInFlight != c || st.Served != RoomAttendees*Burst {
		t.Errorf("peak in flight %d, served %d: want %d and %d", st.PeakInFlight, st.Served, c, RoomAttendees*Burst)
	}
	for _, a := range people {
		if got := st.Clients[a.Name]; got.Served != Burst || got.PeakWaiting == 0 {
			t.Errorf("%s on the room's server: %+v, want %d served, some waiting", a.Name, got, Burst)
		}
	}

	// The host's reset button on the projected dashboard reaches the
	// room's server (the attendee's same reset was refused above).
	clickReset(t, page)
	for deadline := time.Now().Add(BrowserStepTimeout); ; time.Sleep(200 * time.Millisecond) {
		st := roomStats(t, room.Socket)
		if st.Served == 0 && len(st.Clients) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard's reset button did not reset the room's server: %+v", st)
		}
	}

	// Back to their own servers: a kernel restarted after the switch.
	t.Logf("host: %s", strings.TrimSpace(hostCommand(t, h, "off")))
	for i, k := range kernels {
		if err := k.restart(ctx); err != nil {
			t.Fatalf("%s: %v", people[i].Name, err)
		}
		if got := kernelAPIURL(t, ctx, k); got != ownURL[i] {
			t.Errorf("%s's kernel after room mode off uses VIDEO_API_URL=%q, want their own %q", people[i].Name, got, ownURL[i])
		}
	}
}

// kernelAPIURL asks a kernel for its VIDEO_API_URL.
func kernelAPIURL(t *testing.T, ctx context.Context, k *kernel) string {
	t.Helper()
	r, err := k.execute(ctx, "%%\nfmt.Print(os.Getenv(\"VIDEO_API_URL\"))")
	if err != nil || len(r.Outputs) == 0 {
		t.Fatalf("asking the kernel for VIDEO_API_URL: %v %+v", err, r)
	}
	return strings.TrimSpace(r.Outputs[0].Text)
}

// restart restarts the kernel, as Kernel > Restart Kernel does, and waits
// until it answers again.
func (k *kernel) restart(ctx context.Context) error {
	if err := k.a.api(ctx, http.MethodPost, "api/kernels/"+k.kernelID+"/restart", map[string]any{}, nil); err != nil {
		return fmt.Errorf("restarting the kernel: %w", err)
	}
	id, err := k.send(ctx, "shell", "kernel_info_request", map[string]any{})
	if err != nil {
		return err
	}
	for {
		m, err := k.read(ctx)
		if err != nil {
			return fmt.Errorf("waiting for the restarted kernel: %w", err)
		}
		if m.ParentHeader.MsgID == id && m.Header.MsgType == "kernel_info_reply" {
			return nil
		}
	}
}

// checkRoomWalls attacks the room from the first attendee's Go cell (it must
// fail) and makes the same attempts as the host (they must work); an
// attendee reaches the room's server, and an account outside the class
// does not.
func checkRoomWalls(t *testing.T, h *hub, room roomPaths, people []*attendee) {
	ctx, cancel := withTimeout(t, 5*time.Minute)
	defer cancel()
	ids, err := videoapi.New("unix://"+room.Socket).ListIDs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	victimHome := filepath.Join(h.Dir, "homes", h.Prefix+people[1].Name)
	attacks := []attack{
		socketAttack("reset the room's server", room.Socket, "POST", "/stats/reset"),
		patchAttack("change a video on the room's server", room.Socket, ids[0]),
		writeAttack("switch the room mode (write the room file)", room.URLFile),
		createAttack("put a socket beside the room's server's", filepath.Dir(room.Socket)),
		socketAttack("reset another attendee's own server, in room mode", filepath.Join(victimHome, ".video-server.sock"), "POST", "/stats/reset"),
	}
	reach := socketAttack("reach the room's server", room.Socket, "GET", "/healthz")
	k, err := people[0].openNotebook(ctx, FirstNotebook)
	if err != nil {
		t.Fatal(err)
	}
	run, err := k.execute(ctx, attackCell(append(attacks, reach)))
	_ = k.close(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	text := outputsText(run)
	worked, why := parseAttacks(text)
	for i, a := range attacks {
		cell, ok := worked[i]
		if !ok || cell {
			t.Errorf("%s: from %s's Go cell: %s", a.Name, people[0].Name, map[bool]string{true: "WORKED", false: "no result"}[ok && cell])
		}
		// The room's server itself must refuse: a request that never
		// reached it proves nothing about it.
		if i < 2 && !strings.Contains(why[i], "403") {
			t.Errorf("%s: the attendee's request was not refused by the room's server (403) but %q", a.Name, why[i])
		}
		hostErr := hostAttempt(a)
		if hostErr != nil {
			t.Errorf("%s: the host's attempt failed too (%v), so the test cannot tell a wall from an attempt that never works", a.Name, hostErr)
		}
		t.Logf("%-52s | host: %-7s | attendee's cell: %s (%s)", a.Name, outcome(hostErr == nil, true), outcome(cell, ok), clip(why[i], 90))
	}
	if !worked[len(attacks)] {
		t.Errorf("an attendee cannot reach the room's server: %s\n%s", why[len(attacks)], clip(text, 2000))
	}
	// Outside the class: nobody's account, without the room's group.
	outsider := attack{Shell: "setpriv --reuid=nobody --regid=nogroup --clear-groups " + reach.Shell}
	if err := hostAttempt(outsider); err == nil {
		t.Errorf("an account outside the class reached the room's server (%s)", outsider.Shell)
	}
	// The host's view is the host's: an attendee is refused the dashboard.
	_, resp, err := people[0].do(ctx, http.MethodGet, h.URL+"/services/room/dashboard", nil, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("%s opening the room's dashboard: %v, want 403", people[0].Name, err)
	}
}
