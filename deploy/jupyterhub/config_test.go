// Package jupyterhub checks the Zero to JupyterHub configuration of a class
// (config.yaml): rendered with `helm template` against the real chart, as
// `helm install` would render it, it must pass the chart's values schema, and
// the rendered manifests must carry the single-user image, the per-user
// resources, the first notebook as default URL, per-user storage and idle
// culling.
//
// The chart is taken from $Z2JH_CHART when set, else from shared/z2jh-chart
// beside the repository's main checkout (or a folder holding it), else from
// .cache/z2jh-chart/jupyterhub
// (where `make setup` pulls the pinned release). Skipped with -short;
// otherwise it needs helm in .bin/ (`make setup`) and fails saying so.
//
//	go test ./deploy/jupyterhub -v
package jupyterhub

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// What the render needs.
const (
	// KubeVersion is the Kubernetes version helm renders for: the chart
	// requires at least 1.32, and helm template assumes an older one.
	KubeVersion = "1.33.0"
	// ReleaseName is the helm release of the rendered class.
	ReleaseName = "workshop"
	// ConfigFile is the configuration under test, in this folder.
	ConfigFile = "config.yaml"
	// StartNotebook is what attendees see first.
	StartNotebook = "00_start_here.ipynb"
	setupHint     = "run `make setup` in the repository root (it builds helm into .bin/ and finds or pulls the chart)"
)

// values is the part of the chart's values this configuration sets.
type values struct {
	Singleuser struct {
		Image struct {
			Name string `yaml:"name"`
			Tag  string `yaml:"tag"`
		} `yaml:"image"`
		CPU struct {
			Guarantee float64 `yaml:"guarantee"`
			Limit     float64 `yaml:"limit"`
		} `yaml:"cpu"`
		Memory struct {
			Guarantee string `yaml:"guarantee"`
			Limit     string `yaml:"limit"`
		} `yaml:"memory"`
		DefaultURL string `yaml:"defaultUrl"`
		Storage    struct {
			Type     string `yaml:"type"`
			Capacity string `yaml:"capacity"`
		} `yaml:"storage"`
		ExtraEnv map[string]string `yaml:"extraEnv"`
	} `yaml:"singleuser"`
	Cull struct {
		Enabled bool `yaml:"enabled"`
		Timeout int  `yaml:"timeout"`
		Every   int  `yaml:"every"`
	} `yaml:"cull"`
}

// manifest is one rendered Kubernetes object, as far as the checks read it.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Template struct {
			Spec struct {
				InitContainers []struct {
					Name  string `yaml:"name"`
					Image string `yaml:"image"`
				} `yaml:"initContainers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// TestConfigRenders renders config.yaml and checks what a class relies on in
// the manifests helm would install.
func TestConfigRenders(t *testing.T) {
	if testing.Short() {
		t.Skip("rendering needs helm and the chart (make setup); skipped in -short (the fast layer)")
	}
	helm, chart := tools(t)
	out, err := render(helm, chart, "--values", ConfigFile)
	if err != nil {
		t.Fatalf("helm template with %s: %v", ConfigFile, err)
	}
	want := readConfig(t)
	docs := decode(t, out)

	// The image: every node pre-pulls it, and the hub spawns it.
	image := want.Singleuser.Image.Name + ":" + want.Singleuser.Image.Tag
	if want.Singleuser.Image.Name == "" || want.Singleuser.Image.Tag == "" || want.Singleuser.Image.Tag == "latest" {
		t.Errorf("singleuser.image = %q, want a name and a pinned tag", image)
	}
	pullers := 0
	for _, d := range docs {
		if d.Kind != "DaemonSet" || !strings.Contains(d.Metadata.Name, "image-puller") {
			continue
		}
		pullers++
		found := false
		for _, c := range d.Spec.Template.Spec.InitContainers {
			found = found || c.Image == image
		}
		if !found {
			t.Errorf("DaemonSet %s does not pull %s: %+v", d.Metadata.Name, image, d.Spec.Template.Spec.InitContainers)
		}
	}
	if pullers == 0 {
		t.Errorf("no image-puller DaemonSet rendered: the image is not pre-pulled onto the nodes")
	}

	// The hub reads the rest from the values it is given, in its Secret.
	hubValues := hubSecretValues(t, docs)
	got := hubValues.Singleuser
	if got.Image != want.Singleuser.Image {
		t.Errorf("hub spawns image %+v, want %+v", got.Image, want.Singleuser.Image)
	}
	if got.CPU != want.Singleuser.CPU {
		t.Errorf("hub's cpu = %+v, want %+v", got.CPU, want.Singleuser.CPU)
	}
	if got.CPU.Guarantee <= 0 || got.CPU.Limit < got.CPU.Guarantee {
		t.Errorf("cpu guarantee %v, limit %v: want 0 < guarantee <= limit", got.CPU.Guarantee, got.CPU.Limit)
	}
	if got.Memory != want.Singleuser.Memory {
		t.Errorf("hub's memory = %+v, want %+v", got.Memory, want.Singleuser.Memory)
	}
	memG, errG := parseBytes(got.Memory.Guarantee)
	memL, errL := parseBytes(got.Memory.Limit)
	if errG != nil || errL != nil || memG <= 0 || memL < memG {
		t.Errorf("memory guarantee %q, limit %q: want two quantities with 0 < guarantee <= limit", got.Memory.Guarantee, got.Memory.Limit)
	}
	if !strings.HasSuffix(got.DefaultURL, "/"+StartNotebook) {
		t.Errorf("singleuser.defaultUrl = %q, want the notebook %s", got.DefaultURL, StartNotebook)
	}
	if got.Storage.Type != "dynamic" || got.Storage.Capacity == "" {
		t.Errorf("singleuser.storage = %+v, want a dynamic volume per attendee with a capacity", got.Storage)
	}
	if a := got.ExtraEnv["VIDEO_SERVER_ADDR"]; a != "127.0.0.1:8000" {
		t.Errorf("VIDEO_SERVER_ADDR = %q, want 127.0.0.1:8000 (the attendee's own server, alone in the pod)", a)
	}
	c := hubValues.Cull
	if !c.Enabled || c.Timeout <= 0 || c.Every <= 0 || c.Timeout != want.Cull.Timeout {
		t.Errorf("cull = %+v, want idle culling enabled with timeout %d s", c, want.Cull.Timeout)
	}
}

// TestSchemaRejectsBadValues shows the render above is checked against the
// chart's values schema: the same config with a mistyped value fails.
func TestSchemaRejectsBadValues(t *testing.T) {
	if testing.Short() {
		t.Skip("rendering needs helm and the chart (make setup); skipped in -short (the fast layer)")
	}
	helm, chart := tools(t)
	tests := []struct{ set, want string }{
		{"singleuser.cpu.limit=two", "/singleuser/cpu/limit"},
		{"cull.timout=60", "timout"},
	}
	for _, tt := range tests {
		_, err := render(helm, chart, "--values", ConfigFile, "--set-string", tt.set)
		if err == nil || !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("rendering with --set-string %s: error %v, want a values schema error about %s", tt.set, err, tt.want)
		}
	}
}

// tools returns helm and the chart's folder, failing with the fix when one
// is missing, and says which chart it used.
func tools(t *testing.T) (helm, chart string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	helm = filepath.Join(root, ".bin", "helm")
	if _, err := os.Stat(helm); err != nil {
		t.Fatalf("helm not found at %s: %s", helm, setupHint)
	}
	chart, from := ChartDir(root)
	if _, err := os.Stat(filepath.Join(chart, "Chart.yaml")); err != nil {
		t.Fatalf("no Zero to JupyterHub chart at %s (%s): %s, or set Z2JH_CHART to an unpacked copy of the chart", chart, from, setupHint)
	}
	t.Logf("chart: %s (%s)", chart, from)
	return helm, chart
}

// ChartDir returns the chart's folder and where that choice came from:
// $Z2JH_CHART, the copy in shared/ beside the main checkout of the
// repository at root (or beside a folder that holds it), or the release
// `make setup` pulls into .cache/.
func ChartDir(root string) (dir, from string) {
	if d := strings.TrimSpace(os.Getenv("Z2JH_CHART")); d != "" {
		return d, "from $Z2JH_CHART"
	}
	main := root
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--path-format=absolute", "--git-common-dir").Output(); err == nil {
		if common := strings.TrimSpace(string(out)); filepath.Base(common) == ".git" {
			main = filepath.Dir(common)
		}
	}
	// shared/ beside the checkout, or beside a folder holding it (a clone
	// made one level deeper, as a CI run may do).
	for dir := filepath.Dir(main); ; dir = filepath.Dir(dir) {
		shared := filepath.Join(dir, "shared", "z2jh-chart")
		if _, err := os.Stat(filepath.Join(shared, "Chart.yaml")); err == nil {
			return shared, "the copy in " + filepath.Join(dir, "shared")
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	return filepath.Join(root, ".cache", "z2jh-chart", "jupyterhub"), "the release pulled by make setup"
}

// render runs helm template on the chart with the given extra arguments.
func render(helm, chart string, args ...string) ([]byte, error) {
	cmd := exec.Command(helm, append([]string{"template", ReleaseName, chart, "--kube-version", KubeVersion}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// readConfig reads config.yaml.
func readConfig(t *testing.T) values {
	t.Helper()
	raw, err := os.ReadFile(ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	var v values
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", ConfigFile, err)
	}
	return v
}

// decode splits helm's output into its manifests.
func decode(t *testing.T, out []byte) []manifest {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(out))
	var docs []manifest
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading the rendered manifests: %v", err)
		}
		if m.Kind != "" {
			docs = append(docs, m)
		}
	}
	if len(docs) == 0 {
		t.Fatal("helm template rendered no manifests")
	}
	return docs
}

// hubSecretValues returns the values the hub runs with: the chart hands
// them to it base64-encoded in its Secret, under values.yaml.
func hubSecretValues(t *testing.T, docs []manifest) values {
	t.Helper()
	for _, d := range docs {
		if d.Kind != "Secret" || d.Metadata.Name != "hub" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(d.Data["values.yaml"])
		if err != nil || len(raw) == 0 {
			t.Fatalf("Secret hub: values.yaml missing or not base64 (%v)", err)
		}
		var v values
		if err := yaml.Unmarshal(raw, &v); err != nil {
			t.Fatalf("Secret hub values.yaml: %v", err)
		}
		return v
	}
	t.Fatal("no Secret named hub rendered")
	return values{}
}

// parseBytes reads a memory size as KubeSpawner takes it: a number with an
// optional suffix K, M, G, T (powers of 1000) or Ki, Mi, Gi, Ti (of 1024).
func parseBytes(s string) (float64, error) {
	units := []struct {
		suffix string
		scale  float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}}
	s = strings.TrimSpace(s)
	scale := 1.0
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, scale = n, u.scale
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("memory size %q: want a number with an optional K, M, G, T, Ki, Mi, Gi or Ti suffix", s)
	}
	return f * scale, nil
}

// TestChartVersionAgrees: the chart release that `make setup` pulls is the
// one the install command names, wherever it is written.
func TestChartVersionAgrees(t *testing.T) {
	root := filepath.Join("..", "..")
	script, err := os.ReadFile(filepath.Join(root, "scripts", "setup-classroom.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Z2JH_CHART_VERSION=(\S+)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("scripts/setup-classroom.sh does not set Z2JH_CHART_VERSION")
	}
	want := "--version " + string(m[1])
	for _, f := range []string{"README.md", "docs/classroom.md", "deploy/jupyterhub/config.yaml"} {
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

// installCommands returns each `helm upgrade --install RELEASE ...` command
// in text with its continuation lines (ending in a backslash).
func installCommands(text string) []string {
	var cmds []string
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !regexp.MustCompile(`helm upgrade --install \w`).MatchString(l) {
			continue
		}
		cmd := l
		for j := i; strings.HasSuffix(strings.TrimSpace(lines[j]), "\\") && j+1 < len(lines); j++ {
			cmd += "\n" + lines[j+1]
		}
		cmds = append(cmds, cmd)
	}
	return cmds
}
