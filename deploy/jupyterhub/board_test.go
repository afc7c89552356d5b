package jupyterhub

import (
	"slices"
	"strings"
	"testing"
)

// TestBoardRenders: the class board is in the rendered class as
// docs/classroom.md says. The hub registers it (a service at
// http://hub:10101 that skips the confirmation page, with a role that reads
// users and servers only); the chart made its token and keeps it in the
// hub's Secret, from where the board's container in the hub's pod reads it;
// the hub's Service has the board's port; the attendees' servers report
// through the proxy's Service; the board's container runs the same image as
// the attendees' servers, as config.yaml writes it.
func TestBoardRenders(t *testing.T) {
	if testing.Short() {
		t.Skip("rendering needs helm and the chart (make setup); skipped in -short (the fast layer)")
	}
	helm, chart := tools(t)
	c := renderClass(t, helm, chart, installCommand(t, repoRoot(t))...)

	svc, ok := c.hub.Hub.Services["board"].(map[string]any)
	if !ok || svc["url"] != "http://hub:10101" || svc["oauth_no_confirm"] != true {
		t.Errorf("hub.services.board = %v, want url http://hub:10101 and oauth_no_confirm", c.hub.Hub.Services["board"])
	}
	var secret struct {
		Data map[string]string `yaml:"data"`
	}
	c.get(t, "Secret", "hub", &secret)
	if secret.Data["hub.services.board.apiToken"] == "" {
		t.Error("the hub's Secret holds no hub.services.board.apiToken: the board would have no token")
	}
	var hub struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name    string   `yaml:"name"`
						Image   string   `yaml:"image"`
						Command []string `yaml:"command"`
						Env     []struct {
							Name      string `yaml:"name"`
							Value     string `yaml:"value"`
							ValueFrom struct {
								SecretKeyRef struct{ Name, Key string } `yaml:"secretKeyRef"`
							} `yaml:"valueFrom"`
						} `yaml:"env"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	c.get(t, "Deployment", "hub", &hub)
	found := false
	for _, ct := range hub.Spec.Template.Spec.Containers {
		if ct.Name != "board" {
			continue
		}
		found = true
		if !slices.Equal(ct.Command, []string{"/usr/local/bin/workshop-board"}) {
			t.Errorf("the board's container runs %v", ct.Command)
		}
		cfg := readConfig(t)
		if want := cfg.Singleuser.Image.Name + ":" + cfg.Singleuser.Image.Tag; ct.Image != want {
			t.Errorf("the board's container runs image %s, config.yaml's singleuser image is %s", ct.Image, want)
		}
		tokenFromSecret, servers := false, ""
		for _, e := range ct.Env {
			ref := e.ValueFrom.SecretKeyRef
			tokenFromSecret = tokenFromSecret || (e.Name == "JUPYTERHUB_API_TOKEN" && ref.Name == "hub" && ref.Key == "hub.services.board.apiToken")
			if e.Name == "BOARD_SERVERS_URL" {
				servers = e.Value
			}
		}
		if !tokenFromSecret {
			t.Error("the board's container does not take JUPYTERHUB_API_TOKEN from the hub's Secret")
		}
		if servers != "http://proxy-http:8000/" {
			t.Errorf("the board reads notebooks through %q, want the proxy's Service http://proxy-http:8000/", servers)
		}
	}
	if !found {
		t.Fatal("the hub's pod has no board container")
	}
	var hubSvc, proxy service
	c.get(t, "Service", "hub", &hubSvc)
	c.get(t, "Service", "proxy-http", &proxy)
	hasPort := func(s service, port int) bool {
		for _, p := range s.Spec.Ports {
			if p.Port == port {
				return true
			}
		}
		return false
	}
	if !hasPort(hubSvc, 10101) {
		t.Error("the hub's Service has no port 10101: the proxy cannot reach the board")
	}
	url := c.hub.Singleuser.ExtraEnv["WORKSHOP_BOARD_URL"]
	if !strings.HasPrefix(url, "http://proxy-http:8000/services/board/") || !hasPort(proxy, 8000) {
		t.Errorf("attendees report to %q; want the proxy's Service proxy-http on port 8000", url)
	}
}
