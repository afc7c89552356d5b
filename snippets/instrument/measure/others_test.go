package measure

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/go-async-workshop/workshop/snippets/instrument/runstore"
	"github.com/go-async-workshop/workshop/snippets/videoapi"
)

func TestOtherRequests(t *testing.T) {
	type es = videoapi.EndpointStats
	tests := []struct {
		name string
		st   videoapi.Stats
		me   string
		want int
	}{
		{"alone, unnamed", videoapi.Stats{"video": {Served: 5}}, "", 0},
		{"alone, named", videoapi.Stats{"video": {Served: 5, Clients: map[string]es{"ana": {Served: 5}}}}, "ana", 0},
		{"named, another named", videoapi.Stats{
			"video":      {Served: 9, Rejected: 1, Clients: map[string]es{"ana": {Served: 5}, "ben": {Served: 4, Rejected: 1}}},
			"transcript": {Served: 3, Clients: map[string]es{"ben": {Served: 3}}},
		}, "ana", 8},
		{"named, another unnamed", videoapi.Stats{"video": {Served: 12, Clients: map[string]es{"ana": {Served: 5}}}}, "ana", 7},
		{"unnamed, another named", videoapi.Stats{"video": {Served: 12, Clients: map[string]es{"ben": {Served: 7}}}}, "", 7},
		{"named, past the server's limit of names", videoapi.Stats{"video": {Served: 12, Clients: map[string]es{otherClients: {Served: 12}}}}, "ana", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := otherRequests(tt.st, tt.me); got != tt.want {
				t.Errorf("otherRequests = %d, want %d", got, tt.want)
			}
		})
	}
}

// A run's report says when another client used the server during the run,
// with how many of the requests it counts are not the run's, and keeps the
// other clients' names out of its figures; alone, it says nothing.
func TestOthersNoteInTheReport(t *testing.T) {
	t.Setenv(runstore.EnvDir, t.TempDir())
	c := client(t)
	ctx := context.Background()
	ids, err := c.ListIDs(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	ben := videoapi.New(c.BaseURL(), videoapi.WithName("ben"))
	tests := []struct {
		name   string
		me     string
		others int // requests ben sends during the run
	}{
		{"alone", "ana", 0},
		{"named, ben too", "ana", 7},
		{"unnamed, ben too", "", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mine := videoapi.New(c.BaseURL(), videoapi.WithName(tt.me))
			var out strings.Builder
			run := Start(ctx, mine, tt.name, WithOutput(&out))
			var wg sync.WaitGroup
			for _, id := range ids[:tt.others] {
				wg.Go(func() {
					if _, err := ben.Video(ctx, id); err != nil {
						t.Error(err)
					}
				})
			}
			burst(t, ctx, mine, run, 5)
			wg.Wait()
			res := run.Report()
			if res.OtherRequests != tt.others {
				t.Errorf("OtherRequests = %d, want %d", res.OtherRequests, tt.others)
			}
			note := "another program also used this server during this run"
			if got := strings.Contains(out.String(), note); got != (tt.others > 0) {
				t.Errorf("report says another program used the server: %v, want %v:\n%s", got, tt.others > 0, out.String())
			}
			if tt.others > 0 && !strings.Contains(out.String(), "7 of its requests are not yours; the figures above include them") {
				t.Errorf("the note does not give the other program's 7 requests:\n%s", out.String())
			}
			for name, s := range res.Server {
				if s.Clients != nil {
					t.Errorf("%s: the figures name the server's clients: %v", name, s.Clients)
				}
			}
		})
	}
}
