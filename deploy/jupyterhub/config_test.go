// Package jupyterhub checks the Zero to JupyterHub configuration of a class
// (config.yaml). The install command the docs show (README.md,
// docs/classroom.md and config.yaml's own comment: the same command in all
// three) is rendered with `helm template` against the real chart, as
// `helm install` would render it, with sample values for its variables. It
// must pass the chart's values schema, and the rendered manifests, with the
// values the hub reads from its Secret, must carry the whole class:
//
//   - the door: every attendee signs up with a password of their own
//     (NativeAuthenticator), a sign-up waits for the host's approval, the
//     host is the hub's admin; no secret is written in the file or given on
//     the command line;
//   - HTTPS with a Let's Encrypt certificate for the host name, plain HTTP
//     only redirecting to it; installed without the install-time values,
//     the chart refuses to render;
//   - a network policy that lets an attendee's pod reach the hub, the proxy
//     and DNS only, and lets only the hub and the proxy reach it;
//   - a limit on running servers near the class size, an ephemeral-storage
//     limit, an explicit image pull policy;
//   - the image (pre-pulled, and pinned by digest when the docs' way is
//     used), per-user resources, the first notebook, storage and culling.
//
// The documented variations (a given certificate, the room's address
// ranges, a digest) are rendered too, and a mistyped value must fail the
// schema.
//
// The chart is taken from $Z2JH_CHART when set, else from shared/z2jh-chart
// beside the repository's main checkout (or a folder holding it), else from
// .cache/z2jh-chart/jupyterhub (where `make setup` pulls the pinned
// release). The rendering tests are skipped with -short; otherwise they need
// helm in .bin/ (`make setup`) and fail saying so.
//
//	go test ./deploy/jupyterhub -v
package jupyterhub

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The configuration under test, and what a class needs of it.
const (
	// ConfigFile is the configuration under test, in this folder.
	ConfigFile = "config.yaml"
	// StartNotebook is what attendees see first.
	StartNotebook = "00_start_here.ipynb"
	// ClassSize is the class config.yaml is set for; its limit on running
	// servers must cover the class and the host, with a few spares at most.
	ClassSize = 30
	maxSpares = 4
	// MinPasswordLength is the shortest password a sign-up may choose.
	MinPasswordLength = 8
	// EphemeralWritesMiB is the most one attendee writes outside their
	// volume (Go's build cache and GoNB's build folders) running every
	// notebook and the exercises' solutions: measured, with the image's warm
	// cache counted as copied up (docs/classroom.md, Resources). The
	// ephemeral-storage limit must be at least EphemeralMargin times it, so
	// that an attendee who reruns and edits cells is not evicted.
	EphemeralWritesMiB = 460
	EphemeralMargin    = 4
	// LetsEncrypt is Let's Encrypt's production ACME directory (the chart's
	// default; its staging server issues certificates no browser trusts).
	LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"
)

// TestInstallCommandRenders renders the documented install command and
// checks everything a class relies on in what helm would install.
func TestInstallCommandRenders(t *testing.T) {
	if testing.Short() {
		t.Skip("rendering needs helm and the chart (make setup); skipped in -short (the fast layer)")
	}
	helm, chart := tools(t)
	c := renderClass(t, helm, chart, installCommand(t, repoRoot(t))...)

	t.Run("image", func(t *testing.T) { checkImage(t, c, installEnv["IMAGE"], installEnv["TAG"]) })
	t.Run("resources", func(t *testing.T) { checkResources(t, c) })
	t.Run("ephemeral storage", func(t *testing.T) { checkEphemeral(t, c) })
	t.Run("start, storage, culling", func(t *testing.T) { checkStart(t, c) })
	t.Run("door", func(t *testing.T) { checkDoor(t, c) })
	t.Run("https", func(t *testing.T) { checkLetsEncrypt(t, c, installEnv["CLASS_HOST"], installEnv["CLASS_EMAIL"]) })
	t.Run("load balancer", func(t *testing.T) {
		var s service
		c.get(t, "Service", "proxy-public", &s)
		if s.Spec.Type != "LoadBalancer" || len(s.Spec.LoadBalancerSourceRanges) != 0 {
			t.Errorf("Service proxy-public: type %q, source ranges %v; want a LoadBalancer open to all until the host gives the room's ranges", s.Spec.Type, s.Spec.LoadBalancerSourceRanges)
		}
	})
	t.Run("network policy", func(t *testing.T) { checkNetwork(t, c) })
	t.Run("active servers", func(t *testing.T) { checkActiveServers(t, c) })
}

// TestRenderDocumentedVariants renders the install command with each variation
// docs/classroom.md shows, written there exactly as here.
func TestRenderDocumentedVariants(t *testing.T) {
	if testing.Short() {
		t.Skip("rendering needs helm and the chart (make setup); skipped in -short (the fast layer)")
	}
	helm, chart := tools(t)
	root := repoRoot(t)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "classroom.md"))
	if err != nil {
		t.Fatal(err)
	}
	base := installCommand(t, root)
	tests := []struct {
		name string
		// flags are added to the install command; docs must show them, and
		// every string of alsoDocumented.
		flags          string
		alsoDocumented []string
		check          func(t *testing.T, c class)
	}{{
		name:  "image pinned by digest",
		flags: `--set-string singleuser.image.tag="$TAG@$DIGEST"`,
		check: func(t *testing.T, c class) {
			checkImage(t, c, installEnv["IMAGE"], installEnv["TAG"]+"@"+installEnv["DIGEST"])
		},
	}, {
		name:           "a given certificate",
		flags:          `--set-string proxy.https.type=secret --set-string proxy.https.secret.name=class-tls`,
		alsoDocumented: []string{"kubectl --namespace workshop create secret tls class-tls --cert="},
		check:          func(t *testing.T, c class) { checkGivenCertificate(t, c, "class-tls") },
	}, {
		name:  "the room's address ranges",
		flags: `--set "proxy.service.loadBalancerSourceRanges={203.0.113.0/24,198.51.100.7/32}"`,
		check: func(t *testing.T, c class) {
			var s service
			c.get(t, "Service", "proxy-public", &s)
			want := []string{"203.0.113.0/24", "198.51.100.7/32"}
			if !slices.Equal(s.Spec.LoadBalancerSourceRanges, want) {
				t.Errorf("Service proxy-public loadBalancerSourceRanges = %v, want %v", s.Spec.LoadBalancerSourceRanges, want)
			}
			checkLetsEncrypt(t, c, installEnv["CLASS_HOST"], installEnv["CLASS_EMAIL"])
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range append([]string{tt.flags}, tt.alsoDocumented...) {
				if !strings.Contains(string(doc), s) {
					t.Errorf("docs/classroom.md does not show %s", s)
				}
			}
			c := renderClass(t, helm, chart, append(slices.Clone(base), flagArgs(t, tt.flags)...)...)
			tt.check(t, c)
			// Whatever the variation, the door and the walls stay.
			checkDoor(t, c)
			checkNetwork(t, c)
			checkEphemeral(t, c)
			checkActiveServers(t, c)
		})
	}
}

// TestConfigAloneRefused: installed without the install-time values, the
// chart refuses (it requires Let's Encrypt's contact), so nobody starts a
// class on plain HTTP by forgetting them; given the contact but not the
// host name, the class still serves HTTPS only (for a name that never gets
// a certificate), never plain HTTP.
func TestConfigAloneRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("rendering needs helm and the chart (make setup); skipped in -short (the fast layer)")
	}
	helm, chart := tools(t)
	_, err := render(helm, chart, "--values", ConfigFile)
	if err == nil || !strings.Contains(err.Error(), "contactEmail is a required field") {
		t.Errorf("helm template with %s alone: error %v, want the chart's refusal without a Let's Encrypt contact", ConfigFile, err)
	}
	c := renderClass(t, helm, chart, "--values", ConfigFile, "--set-string", "proxy.https.letsencrypt.contactEmail="+installEnv["CLASS_EMAIL"])
	cfg := readConfig(t)
	if len(cfg.Proxy.HTTPS.Hosts) != 1 {
		t.Fatalf("%s: proxy.https.hosts = %v, want one name standing in for the host's", ConfigFile, cfg.Proxy.HTTPS.Hosts)
	}
	checkLetsEncrypt(t, c, cfg.Proxy.HTTPS.Hosts[0], installEnv["CLASS_EMAIL"])
	// The file's own image, for an install that does not name one.
	checkImage(t, c, cfg.Singleuser.Image.Name, cfg.Singleuser.Image.Tag)
}

// TestDocsAgreeWithConfig: docs/classroom.md states config.yaml's figures:
// the table of resources per attendee, and the limit on running servers.
func TestDocsAgreeWithConfig(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "classroom.md"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := readConfig(t).Singleuser
	eph := cfg.ExtraResource
	rows := []string{
		fmt.Sprintf("| CPU | %g | %g |", cfg.CPU.Guarantee, cfg.CPU.Limit),
		fmt.Sprintf("| memory | %s | %s |", cfg.Memory.Guarantee, cfg.Memory.Limit),
		fmt.Sprintf("| ephemeral storage | %s | %s |", eph.Guarantees["ephemeral-storage"], eph.Limits["ephemeral-storage"]),
	}
	if l := readConfig(t).Hub.ActiveServerLimit; l != nil {
		rows = append(rows, fmt.Sprintf("**At most %d servers at once**", *l))
	}
	for _, r := range rows {
		if !strings.Contains(string(doc), r) {
			t.Errorf("docs/classroom.md does not say %q, as %s sets it", r, ConfigFile)
		}
	}
}

// TestConfigSchemaRejectsBadValues shows the renders above are checked against
// the chart's values schema: the install command with a mistyped value
// fails.
func TestConfigSchemaRejectsBadValues(t *testing.T) {
	if testing.Short() {
		t.Skip("rendering needs helm and the chart (make setup); skipped in -short (the fast layer)")
	}
	helm, chart := tools(t)
	base := installCommand(t, repoRoot(t))
	tests := []struct{ set, want string }{
		{"singleuser.cpu.limit=two", "/singleuser/cpu/limit"},
		{"cull.timout=60", "timout"},
		{"singleuser.image.pullPolicy=Sometimes", "/singleuser/image/pullPolicy"},
		{"hub.activeServerLimit=thirty", "/hub/activeServerLimit"},
		{"singleuser.networkPolicy.egressAllowRules.nonPrivateIP=false", "nonPrivateIP"},
		{"proxy.https.type=letsencrypy", "/proxy/https/type"},
		{"singleuser.extraResource.limit.ephemeral-storage=4Gi", "limit"},
	}
	for _, tt := range tests {
		_, err := render(helm, chart, append(slices.Clone(base), "--set-string", tt.set)...)
		if err == nil || !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("rendering with --set-string %s: error %v, want a values schema error about %s", tt.set, err, tt.want)
		}
	}
}

// secretKey matches the last part of a value's name that holds a secret in
// the chart or an authenticator (passwords, tokens, cookie secrets, keys);
// notSecret, names that only name a Secret or set a rule about passwords.
var (
	secretKey = regexp.MustCompile(`(?i)(password|passwd|pwd|token|secret|^keys?$)`)
	notSecret = regexp.MustCompile(`(?i)(^(existingSecret|pullSecrets|imagePullSecrets?|name)$|_length$|^check_)`)
)

// isSecretKey says whether a value named key holds a secret.
func isSecretKey(key string) bool {
	return secretKey.MatchString(key) && !notSecret.MatchString(key)
}

// TestNoSecretsInConfig: config.yaml holds no secret, and the install
// command gives none (so none lands in a shell's history or in ps).
func TestNoSecretsInConfig(t *testing.T) {
	for _, tt := range []struct {
		key  string
		want bool
	}{
		{"user_password", true}, {"secretToken", true}, {"cookieSecret", true}, {"cookie_secret", true},
		{"auth_token", true}, {"apiToken", true}, {"keys", true}, {"key", true}, {"password", true},
		{"client_secret", true}, {"pwd", true},
		{"name", false}, {"existingSecret", false}, {"pullSecrets", false}, {"contactEmail", false},
		{"admin_users", false}, {"hosts", false}, {"minimum_password_length", false},
		{"check_common_password", false},
	} {
		if got := isSecretKey(tt.key); got != tt.want {
			t.Errorf("isSecretKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}

	raw, err := os.ReadFile(ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range secretsIn(&doc, "") {
		t.Errorf("%s sets %s: secrets are given at install time, never written in the file", ConfigFile, s)
	}

	root := repoRoot(t)
	for _, f := range InstallDocs {
		text, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, cmd := range installCommands(string(text)) {
			words, err := shellWords(cmd, installEnv)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			for i, w := range words {
				if i == 0 || (words[i-1] != "--set" && words[i-1] != "--set-string") {
					continue
				}
				path, _, _ := strings.Cut(w, "=")
				parts := strings.Split(path, ".")
				if last := strings.TrimRight(parts[len(parts)-1], "[0123456789]"); isSecretKey(last) {
					t.Errorf("%s: the install command gives %s on the command line", f, path)
				}
			}
		}
	}
}

// secretsIn lists the paths of the non-empty strings under n whose names
// hold secrets.
func secretsIn(n *yaml.Node, path string) []string {
	var found []string
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			found = append(found, secretsIn(c, path)...)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			p := strings.TrimPrefix(path+"."+k, ".")
			// A secretKeyRef names where a secret is kept (its Secret and
			// key), never the secret itself.
			if v.Kind == yaml.ScalarNode && v.Tag == "!!str" && v.Value != "" && isSecretKey(k) && !strings.HasSuffix(path, ".secretKeyRef") {
				found = append(found, p)
			}
			found = append(found, secretsIn(v, p)...)
		}
	}
	return found
}

// TestChartVersionAgrees: the chart release that `make setup` pulls is the
// one the install command names, wherever it is written.
func TestChartVersionAgrees(t *testing.T) {
	root := repoRoot(t)
	script, err := os.ReadFile(filepath.Join(root, "scripts", "setup-classroom.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Z2JH_CHART_VERSION=(\S+)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("scripts/setup-classroom.sh does not set Z2JH_CHART_VERSION")
	}
	want := "--version " + string(m[1])
	for _, f := range InstallDocs {
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, cmd := range installCommands(string(raw)) {
			if !strings.Contains(cmd, want) {
				t.Errorf("%s: the install command does not pin %s:\n%s", f, want, cmd)
			}
		}
		if len(installCommands(string(raw))) == 0 {
			t.Errorf("%s has no helm upgrade --install command", f)
		}
	}
}

// imageRef matches an image reference as container runtimes parse it
// (the distribution project's grammar): a name, then a tag, a digest or
// both.
var imageRef = regexp.MustCompile(`^` +
	`(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?` +
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
	`(?::([\w][\w.-]{0,127}))?` +
	`(?:@(sha256:[a-f0-9]{64}))?$`)

// checkImage: the hub spawns name:tag, every pre-puller pulls the same,
// with an explicit pull policy that never pulls again a pinned image.
func checkImage(t *testing.T, c class, name, tag string) {
	t.Helper()
	img := c.hub.Singleuser.Image
	if img.Name != name || img.Tag != tag {
		t.Errorf("hub spawns image %s:%s, want %s:%s", img.Name, img.Tag, name, tag)
	}
	ref := img.Name + ":" + img.Tag
	m := imageRef.FindStringSubmatch(ref)
	if m == nil || m[1] == "" || m[1] == "latest" {
		t.Errorf("image %q: want a valid reference with a pinned tag (not latest)", ref)
	}
	if strings.Contains(tag, "@") && (m == nil || m[2] == "") {
		t.Errorf("image %q: the digest after the tag is not a sha256 digest", ref)
	}
	if img.PullPolicy != "IfNotPresent" {
		t.Errorf("singleuser.image.pullPolicy = %q, want IfNotPresent, set explicitly", img.PullPolicy)
	}
	pullers := 0
	for _, o := range c.objects {
		if o.Kind != "DaemonSet" || !strings.Contains(o.Metadata.Name, "image-puller") {
			continue
		}
		pullers++
		var d podTemplate
		c.get(t, "DaemonSet", o.Metadata.Name, &d)
		found := false
		for _, ic := range d.Spec.Template.Spec.InitContainers {
			if ic.Image != ref {
				continue
			}
			found = true
			// Unset, Kubernetes pulls a tag other than latest, or a
			// digest, only if the node lacks it.
			if ic.ImagePullPolicy != "" && ic.ImagePullPolicy != "IfNotPresent" {
				t.Errorf("DaemonSet %s pulls %s with policy %s", o.Metadata.Name, ref, ic.ImagePullPolicy)
			}
		}
		if !found {
			t.Errorf("DaemonSet %s does not pull %s: %+v", o.Metadata.Name, ref, d.Spec.Template.Spec.InitContainers)
		}
	}
	if pullers != 2 {
		t.Errorf("%d image-puller DaemonSets rendered, want 2 (before an upgrade, and for nodes added later)", pullers)
	}
}

// checkResources: the hub's per-user CPU and memory are config.yaml's, with
// 0 < guarantee <= limit.
func checkResources(t *testing.T, c class) {
	t.Helper()
	want, got := readConfig(t).Singleuser, c.hub.Singleuser
	if got.CPU != want.CPU {
		t.Errorf("hub's cpu = %+v, want %+v", got.CPU, want.CPU)
	}
	if got.CPU.Guarantee <= 0 || got.CPU.Limit < got.CPU.Guarantee {
		t.Errorf("cpu guarantee %v, limit %v: want 0 < guarantee <= limit", got.CPU.Guarantee, got.CPU.Limit)
	}
	if got.Memory != want.Memory {
		t.Errorf("hub's memory = %+v, want %+v", got.Memory, want.Memory)
	}
	memG, errG := parseBytes(got.Memory.Guarantee)
	memL, errL := parseBytes(got.Memory.Limit)
	if errG != nil || errL != nil || memG <= 0 || memL < memG {
		t.Errorf("memory guarantee %q, limit %q: want two quantities with 0 < guarantee <= limit", got.Memory.Guarantee, got.Memory.Limit)
	}
}

// checkEphemeral: every attendee's pod has an ephemeral-storage request and
// a limit with room over what an attendee was measured to write.
func checkEphemeral(t *testing.T, c class) {
	t.Helper()
	const key = "ephemeral-storage"
	r := c.hub.Singleuser.ExtraResource
	g, errG := parseBytes(r.Guarantees[key])
	l, errL := parseBytes(r.Limits[key])
	if errG != nil || errL != nil || g <= 0 || l < g {
		t.Errorf("singleuser.extraResource %s: guarantee %q, limit %q; want two quantities with 0 < guarantee <= limit", key, r.Guarantees[key], r.Limits[key])
		return
	}
	if floor := float64(EphemeralWritesMiB*EphemeralMargin) * (1 << 20); l < floor {
		t.Errorf("ephemeral-storage limit %s is under %d x the %d MiB an attendee was measured to write", r.Limits[key], EphemeralMargin, EphemeralWritesMiB)
	}
}

// checkStart: the first notebook, per-attendee storage, the attendee's own
// mock server, idle culling, all as config.yaml sets them.
func checkStart(t *testing.T, c class) {
	t.Helper()
	want, got := readConfig(t), c.hub
	if !strings.HasSuffix(got.Singleuser.DefaultURL, "/"+StartNotebook) {
		t.Errorf("singleuser.defaultUrl = %q, want the notebook %s", got.Singleuser.DefaultURL, StartNotebook)
	}
	if s := got.Singleuser.Storage; s.Type != "dynamic" || s.Capacity == "" {
		t.Errorf("singleuser.storage = %+v, want a dynamic volume per attendee with a capacity", s)
	}
	if a := got.Singleuser.ExtraEnv["VIDEO_SERVER_ADDR"]; a != "127.0.0.1:8000" {
		t.Errorf("VIDEO_SERVER_ADDR = %q, want 127.0.0.1:8000 (the attendee's own server, alone in the pod)", a)
	}
	if cu := got.Cull; !cu.Enabled || cu.Timeout <= 0 || cu.Every <= 0 || cu.Timeout != want.Cull.Timeout {
		t.Errorf("cull = %+v, want idle culling enabled with timeout %d s", cu, want.Cull.Timeout)
	}
}

// checkDoor: NativeAuthenticator, every sign-up approved by the host, the
// host the admin named at install time, no shared or dummy password.
func checkDoor(t *testing.T, c class) {
	t.Helper()
	cfg := c.hub.Hub.Config
	if a := cfg["JupyterHub"]["authenticator_class"]; a != "native" {
		t.Errorf("hub.config.JupyterHub.authenticator_class = %v, want native (NativeAuthenticator)", a)
	}
	for section := range cfg {
		if section == "SharedPasswordAuthenticator" || section == "DummyAuthenticator" {
			t.Errorf("hub.config.%s is set: no shared or dummy password opens the door", section)
		}
	}
	auth, native := cfg["Authenticator"], cfg["NativeAuthenticator"]
	admin := installEnv["CLASS_ADMIN"]
	if got, ok := auth["admin_users"].([]any); !ok || len(got) != 1 || got[0] != admin {
		t.Errorf("hub.config.Authenticator.admin_users = %v, want [%s] (given at install time)", auth["admin_users"], admin)
	}
	// allow_all lets in whoever the authenticator accepts: safe only as
	// long as NativeAuthenticator accepts nobody the host has not approved.
	if auth["allow_all"] != true || native["open_signup"] != false || native["enable_signup"] != true {
		t.Errorf("allow_all %v, open_signup %v, enable_signup %v: want sign-ups open, each waiting for the host's approval, and approval deciding who logs in",
			auth["allow_all"], native["open_signup"], native["enable_signup"])
	}
	if n, ok := native["minimum_password_length"].(int); !ok || n < MinPasswordLength {
		t.Errorf("NativeAuthenticator.minimum_password_length = %v, want at least %d", native["minimum_password_length"], MinPasswordLength)
	}
	if native["check_common_password"] != true {
		t.Errorf("NativeAuthenticator.check_common_password = %v, want true", native["check_common_password"])
	}
	if n, ok := native["allowed_failed_logins"].(int); !ok || n <= 0 {
		t.Errorf("NativeAuthenticator.allowed_failed_logins = %v, want a positive number (a name is locked after it)", native["allowed_failed_logins"])
	}
	// The admin's name must be one the sign-up page accepts.
	pattern, _ := auth["username_pattern"].(string)
	re, err := regexp.Compile(pattern)
	if pattern == "" || err != nil || !re.MatchString(admin) || re.MatchString("Alice") || re.MatchString("a/b") {
		t.Errorf("Authenticator.username_pattern %q (%v): want lowercase names, %s among them", pattern, err, admin)
	}
	// One name rule for both kinds of class.
	if src, err := os.ReadFile(filepath.Join("..", "classroom", "settings.py")); err != nil {
		t.Error(err)
	} else if m := regexp.MustCompile(`(?m)^NAME_PATTERN = r"([^"]+)"$`).FindSubmatch(src); m == nil || string(m[1]) != pattern {
		t.Errorf("Authenticator.username_pattern %q is not the one-machine classroom's NAME_PATTERN (%q)", pattern, m)
	}
	templates := false
	for _, code := range c.hub.Hub.ExtraConfig {
		templates = templates || (strings.Contains(code, "import os, nativeauthenticator\n") &&
			strings.Contains(code, "c.JupyterHub.template_paths = [os.path.join(os.path.dirname(nativeauthenticator.__file__), \"templates\")]"))
	}
	if !templates {
		t.Errorf("hub.extraConfig does not put NativeAuthenticator's templates on the hub's template path (the host's Authorize Users link)")
	}
}

// checkLetsEncrypt: the proxy-public load balancer leads to Traefik, which
// gets a certificate for host from Let's Encrypt's production server and
// answers plain HTTP with a redirect to HTTPS only.
func checkLetsEncrypt(t *testing.T, c class, host, email string) {
	t.Helper()
	h := c.hub.Proxy.HTTPS
	if !h.Enabled || h.Type != "letsencrypt" || !slices.Equal(h.Hosts, []string{host}) || h.Letsencrypt.ContactEmail != email {
		t.Errorf("proxy.https = %+v, want Let's Encrypt for [%s], contact %s", h, host, email)
	}
	if _, ok := c.find("Deployment", "autohttps"); !ok {
		t.Fatalf("no Deployment autohttps (Traefik) rendered: nothing terminates HTTPS")
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	c.get(t, "ConfigMap", "autohttps", &cm)
	var static struct {
		CertificatesResolvers map[string]struct {
			Acme struct {
				CAServer      string `yaml:"caServer"`
				Email         string `yaml:"email"`
				HTTPChallenge struct {
					EntryPoint string `yaml:"entryPoint"`
				} `yaml:"httpChallenge"`
			} `yaml:"acme"`
		} `yaml:"certificatesResolvers"`
	}
	if err := yaml.Unmarshal([]byte(cm.Data["traefik.yaml"]), &static); err != nil {
		t.Fatalf("autohttps traefik.yaml: %v", err)
	}
	acme := static.CertificatesResolvers["default"].Acme
	if acme.CAServer != LetsEncrypt || acme.Email != email || acme.HTTPChallenge.EntryPoint != "http" {
		t.Errorf("Traefik's ACME resolver = %+v, want Let's Encrypt production (%s), contact %s, HTTP-01 on the http entry point", acme, LetsEncrypt, email)
	}
	type router struct {
		EntryPoints []string `yaml:"entrypoints"`
		Middlewares []string `yaml:"middlewares"`
		TLS         *struct {
			CertResolver string `yaml:"certResolver"`
			Domains      []struct {
				Main string `yaml:"main"`
			} `yaml:"domains"`
		} `yaml:"tls"`
	}
	var dynamic struct {
		HTTP struct {
			Routers     map[string]router `yaml:"routers"`
			Middlewares map[string]struct {
				RedirectScheme *struct {
					Scheme string `yaml:"scheme"`
				} `yaml:"redirectScheme"`
			} `yaml:"middlewares"`
		} `yaml:"http"`
	}
	if err := yaml.Unmarshal([]byte(cm.Data["dynamic.yaml"]), &dynamic); err != nil {
		t.Fatalf("autohttps dynamic.yaml: %v", err)
	}
	for name, r := range dynamic.HTTP.Routers {
		switch {
		case slices.Equal(r.EntryPoints, []string{"https"}):
			if r.TLS == nil || r.TLS.CertResolver != "default" || len(r.TLS.Domains) != 1 || r.TLS.Domains[0].Main != host {
				t.Errorf("Traefik router %s on https: tls %+v, want a certificate for %s from the ACME resolver", name, r.TLS, host)
			}
		case slices.Equal(r.EntryPoints, []string{"http"}):
			redirects := len(r.Middlewares) == 1
			if redirects {
				m := dynamic.HTTP.Middlewares[r.Middlewares[0]].RedirectScheme
				redirects = m != nil && m.Scheme == "https"
			}
			if !redirects {
				t.Errorf("Traefik router %s on plain HTTP uses %v: want only a redirect to https", name, r.Middlewares)
			}
		default:
			t.Errorf("Traefik router %s on entry points %v", name, r.EntryPoints)
		}
	}
	if len(dynamic.HTTP.Routers) != 2 {
		t.Errorf("Traefik has %d routers, want 2 (https, and http redirecting to it)", len(dynamic.HTTP.Routers))
	}
	var s service
	c.get(t, "Service", "proxy-public", &s)
	if s.Spec.Selector["component"] != "autohttps" {
		t.Errorf("Service proxy-public selects %v, want the autohttps pod (Traefik)", s.Spec.Selector)
	}
	checkPublicPorts(t, s)
}

// checkGivenCertificate: with the host's own certificate in the Secret
// named secret, the proxy itself serves HTTPS with it and answers plain
// HTTP with a redirect.
func checkGivenCertificate(t *testing.T, c class, secret string) {
	t.Helper()
	if _, ok := c.find("Deployment", "autohttps"); ok {
		t.Errorf("Deployment autohttps rendered with a given certificate: Traefik would ask Let's Encrypt for one")
	}
	var d podTemplate
	c.get(t, "Deployment", "proxy", &d)
	mounted := false
	for _, v := range d.Spec.Template.Spec.Volumes {
		mounted = mounted || (v.Secret != nil && v.Secret.SecretName == secret)
	}
	if !mounted {
		t.Errorf("Deployment proxy does not mount the Secret %s", secret)
	}
	var chp *container
	for i, ct := range d.Spec.Template.Spec.Containers {
		if ct.Name == "chp" {
			chp = &d.Spec.Template.Spec.Containers[i]
		}
	}
	if chp == nil {
		t.Fatalf("Deployment proxy has no chp container")
	}
	// The chart's releases put the flags in the command (4.3) or in the
	// arguments (later).
	argv := append(slices.Clone(chp.Command), chp.Args...)
	for _, a := range []string{"--port=8443", "--ssl-key=/etc/chp/tls/tls.key", "--ssl-cert=/etc/chp/tls/tls.crt", "--redirect-port=8000", "--redirect-to=443"} {
		if !slices.Contains(argv, a) {
			t.Errorf("configurable-http-proxy's command line %q lacks %s", argv, a)
		}
	}
	var s service
	c.get(t, "Service", "proxy-public", &s)
	if s.Spec.Selector["component"] != "proxy" {
		t.Errorf("Service proxy-public selects %v, want the proxy pod", s.Spec.Selector)
	}
	checkPublicPorts(t, s)
}

// checkPublicPorts: the load balancer has 443 for HTTPS and 80 for the
// redirect (and Let's Encrypt's challenge), nothing else.
func checkPublicPorts(t *testing.T, s service) {
	t.Helper()
	var got []string
	for _, p := range s.Spec.Ports {
		got = append(got, fmt.Sprintf("%s %d->%v", p.Name, p.Port, p.TargetPort))
	}
	if want := []string{"https 443->https", "http 80->http"}; !slices.Equal(got, want) {
		t.Errorf("Service proxy-public ports %v, want %v", got, want)
	}
}

// The labels that open a pod of the chart to other pods.
const (
	accessHub        = "hub.jupyter.org/network-access-hub"
	accessProxyAPI   = "hub.jupyter.org/network-access-proxy-api"
	accessSingleuser = "hub.jupyter.org/network-access-singleuser"
)

// checkNetwork: an attendee's pod reaches the hub, the proxy, Traefik and
// DNS only; only labelled pods (the hub, the proxy) reach it; it carries
// no label that opens the proxy's API (its routes) or other attendees'
// servers to it, and no Kubernetes credentials; the metadata server is
// blocked even without a NetworkPolicy controller; the hub's and proxy's
// policies admit only the pods labelled for them (the proxy's public ports
// aside).
func checkNetwork(t *testing.T, c class) {
	t.Helper()
	np := c.hub.Singleuser.NetworkPolicy
	if !np.Enabled || len(np.Egress) != 0 || len(np.Ingress) != 0 {
		t.Errorf("singleuser.networkPolicy: enabled %v, extra egress %v, extra ingress %v; want enabled with no extra rules", np.Enabled, np.Egress, np.Ingress)
	}
	for _, rule := range []string{"nonPrivateIPs", "privateIPs", "cloudMetadataServer"} {
		if allowed, set := np.EgressAllowRules[rule]; !set || allowed {
			t.Errorf("singleuser.networkPolicy.egressAllowRules.%s = %v (set %v), want false", rule, allowed, set)
		}
	}
	if !c.hub.Singleuser.CloudMetadata.BlockWithIptables {
		t.Errorf("singleuser.cloudMetadata.blockWithIptables is off: without a NetworkPolicy controller, pods reach the metadata server")
	}
	// KubeSpawner mounts a service account token only when a service
	// account is named (or asked for): none, so no Kubernetes credentials.
	su0 := c.hub.Singleuser
	if su0.ServiceAccountName != "" || su0.ExtraPodConfig["automountServiceAccountToken"] != nil || su0.ExtraPodConfig["automount_service_account_token"] != nil {
		t.Errorf("attendees' pods get a service account (%q, %v): a token of the Kubernetes API in every attendee's pod", su0.ServiceAccountName, su0.ExtraPodConfig)
	}
	for _, l := range []string{accessProxyAPI, accessSingleuser} {
		if v, ok := c.hub.Singleuser.ExtraLabels[l]; ok {
			t.Errorf("attendees' pods carry %s=%s: it opens the proxy's API or other attendees' servers to them", l, v)
		}
	}

	var su networkPolicy
	c.get(t, "NetworkPolicy", "singleuser", &su)
	if su.Spec.PodSelector.MatchLabels["component"] != "singleuser-server" {
		t.Errorf("NetworkPolicy singleuser selects %v, want the attendees' pods", su.Spec.PodSelector.MatchLabels)
	}
	if !slices.Contains(su.Spec.PolicyTypes, "Ingress") || !slices.Contains(su.Spec.PolicyTypes, "Egress") {
		t.Errorf("NetworkPolicy singleuser policy types %v, want Ingress and Egress", su.Spec.PolicyTypes)
	}
	for i, r := range su.Spec.Ingress {
		if !onlyLabelled(r.From, accessSingleuser) {
			t.Errorf("NetworkPolicy singleuser ingress rule %d lets in %v: want only pods labelled %s", i, r.From, accessSingleuser)
		}
	}
	toHub := false
	for i, r := range su.Spec.Egress {
		switch {
		case chartPods(r.To, "hub", "proxy", "autohttps") && len(r.Ports) > 0:
			toHub = toHub || chartPods(r.To, "hub")
		case dnsOnly(r.Ports):
		default:
			t.Errorf("NetworkPolicy singleuser egress rule %d lets attendees' pods reach %v on ports %v: want the hub, the proxy, Traefik and DNS only", i, r.To, r.Ports)
		}
	}
	if !toHub {
		t.Errorf("NetworkPolicy singleuser has no egress rule to the hub: attendees' servers could not report to it")
	}

	var proxy, hub networkPolicy
	c.get(t, "NetworkPolicy", "proxy", &proxy)
	for i, r := range proxy.Spec.Ingress {
		if len(r.Ports) == 0 {
			t.Errorf("NetworkPolicy proxy ingress rule %d opens every port", i)
		}
		for _, p := range r.Ports {
			if (fmt.Sprint(p.Port) == "api" || fmt.Sprint(p.Port) == "8001") && !onlyLabelled(r.From, accessProxyAPI) {
				t.Errorf("NetworkPolicy proxy lets %v reach the proxy's API (its routes): want only pods labelled %s", r.From, accessProxyAPI)
			}
		}
	}
	c.get(t, "NetworkPolicy", "hub", &hub)
	for i, r := range hub.Spec.Ingress {
		if !onlyLabelled(r.From, accessHub) {
			t.Errorf("NetworkPolicy hub ingress rule %d lets in %v: want only pods labelled %s", i, r.From, accessHub)
		}
	}
}

// onlyLabelled says whether peers are only pods of this namespace that
// carry label=true (an empty list of peers is everyone).
func onlyLabelled(peers []peer, label string) bool {
	if len(peers) == 0 {
		return false
	}
	for _, p := range peers {
		if p.IPBlock != nil || p.NamespaceSelector != nil || p.PodSelector == nil || p.PodSelector.MatchLabels[label] != "true" {
			return false
		}
	}
	return true
}

// chartPods says whether peers are only this release's pods of the given
// components, in this namespace.
func chartPods(peers []peer, components ...string) bool {
	if len(peers) == 0 {
		return false
	}
	for _, p := range peers {
		if p.IPBlock != nil || p.NamespaceSelector != nil || p.PodSelector == nil ||
			p.PodSelector.MatchLabels["release"] != ReleaseName || !slices.Contains(components, p.PodSelector.MatchLabels["component"]) {
			return false
		}
	}
	return true
}

// dnsOnly says whether ports are DNS's (53) and nothing else.
func dnsOnly(ports []npPort) bool {
	if len(ports) == 0 {
		return false
	}
	for _, p := range ports {
		if fmt.Sprint(p.Port) != "53" {
			return false
		}
	}
	return true
}

// checkActiveServers: the hub starts no more servers than the class, the
// host and a few spares.
func checkActiveServers(t *testing.T, c class) {
	t.Helper()
	l := c.hub.Hub.ActiveServerLimit
	if l == nil || *l < ClassSize+1 || *l > ClassSize+1+maxSpares {
		t.Errorf("hub.activeServerLimit = %v, want between %d and %d (a class of %d, the host, at most %d spares)", l, ClassSize+1, ClassSize+1+maxSpares, ClassSize, maxSpares)
	}
}
