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
	// ChartRepo is where the install command takes the chart from.
	ChartRepo = "https://hub.jupyter.org/helm-chart/"
	setupHint = "run `make setup` in the repository root (it builds helm into .bin/ and finds or pulls the chart)"
)

// repoRoot returns the repository root: go test runs in deploy/jupyterhub.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// tools returns helm and the chart's folder, failing with the fix when one
// is missing, and says which chart it used.
func tools(t *testing.T) (helm, chart string) {
	t.Helper()
	root := repoRoot(t)
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

// object is one rendered Kubernetes object: its kind and name, and the
// whole of it to decode into the shape a check reads.
type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	node yaml.Node
}

// class is a rendered class: its objects and the values its hub runs with.
type class struct {
	objects []object
	hub     hubValues
}

// renderClass renders the chart with args and decodes it, failing the test
// if helm refuses.
func renderClass(t *testing.T, helm, chart string, args ...string) class {
	t.Helper()
	out, err := render(helm, chart, args...)
	if err != nil {
		t.Fatalf("helm template %s: %v", strings.Join(args, " "), err)
	}
	c := class{objects: decode(t, out)}
	c.hub = c.hubSecretValues(t)
	return c
}

// decode splits helm's output into its objects.
func decode(t *testing.T, out []byte) []object {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(out))
	var objs []object
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading the rendered manifests: %v", err)
		}
		var o object
		if err := n.Decode(&o); err != nil {
			t.Fatalf("reading a rendered manifest: %v", err)
		}
		if o.Kind != "" {
			o.node = n
			objs = append(objs, o)
		}
	}
	if len(objs) == 0 {
		t.Fatal("helm template rendered no manifests")
	}
	return objs
}

// find returns the object of that kind and name, or false.
func (c class) find(kind, name string) (object, bool) {
	for _, o := range c.objects {
		if o.Kind == kind && o.Metadata.Name == name {
			return o, true
		}
	}
	return object{}, false
}

// get decodes the object of that kind and name into v, failing the test
// if it was not rendered.
func (c class) get(t *testing.T, kind, name string, v any) {
	t.Helper()
	o, ok := c.find(kind, name)
	if !ok {
		t.Fatalf("no %s %q rendered", kind, name)
	}
	if err := o.node.Decode(v); err != nil {
		t.Fatalf("%s %s: %v", kind, name, err)
	}
}

// hubSecretValues returns the values the hub runs with: the chart hands
// them to it base64-encoded in its Secret, under values.yaml, and the hub's
// jupyterhub_config.py reads every setting of the class from there.
func (c class) hubSecretValues(t *testing.T) hubValues {
	t.Helper()
	var s struct {
		Data map[string]string `yaml:"data"`
	}
	c.get(t, "Secret", "hub", &s)
	raw, err := base64.StdEncoding.DecodeString(s.Data["values.yaml"])
	if err != nil || len(raw) == 0 {
		t.Fatalf("Secret hub: values.yaml missing or not base64 (%v)", err)
	}
	var v hubValues
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatalf("Secret hub values.yaml: %v", err)
	}
	return v
}

// hubValues is the part of the chart's values the checks read, as the hub
// (and config.yaml) spell them.
type hubValues struct {
	Singleuser struct {
		Image struct {
			Name       string `yaml:"name"`
			Tag        string `yaml:"tag"`
			PullPolicy string `yaml:"pullPolicy"`
		} `yaml:"image"`
		CPU struct {
			Guarantee float64 `yaml:"guarantee"`
			Limit     float64 `yaml:"limit"`
		} `yaml:"cpu"`
		Memory struct {
			Guarantee string `yaml:"guarantee"`
			Limit     string `yaml:"limit"`
		} `yaml:"memory"`
		ExtraResource struct {
			Guarantees map[string]string `yaml:"guarantees"`
			Limits     map[string]string `yaml:"limits"`
		} `yaml:"extraResource"`
		DefaultURL string `yaml:"defaultUrl"`
		Storage    struct {
			Type     string `yaml:"type"`
			Capacity string `yaml:"capacity"`
		} `yaml:"storage"`
		ExtraEnv      map[string]string `yaml:"extraEnv"`
		ExtraLabels   map[string]string `yaml:"extraLabels"`
		NetworkPolicy struct {
			Enabled          bool            `yaml:"enabled"`
			EgressAllowRules map[string]bool `yaml:"egressAllowRules"`
			Egress           []any           `yaml:"egress"`
			Ingress          []any           `yaml:"ingress"`
		} `yaml:"networkPolicy"`
		CloudMetadata struct {
			BlockWithIptables bool `yaml:"blockWithIptables"`
		} `yaml:"cloudMetadata"`
		ServiceAccountName string         `yaml:"serviceAccountName"`
		ExtraPodConfig     map[string]any `yaml:"extraPodConfig"`
	} `yaml:"singleuser"`
	Hub struct {
		Config            map[string]map[string]any `yaml:"config"`
		ExtraConfig       map[string]string         `yaml:"extraConfig"`
		ActiveServerLimit *int                      `yaml:"activeServerLimit"`
		Services          map[string]any            `yaml:"services"`
	} `yaml:"hub"`
	Proxy struct {
		HTTPS struct {
			Enabled     bool     `yaml:"enabled"`
			Type        string   `yaml:"type"`
			Hosts       []string `yaml:"hosts"`
			Letsencrypt struct {
				ContactEmail string `yaml:"contactEmail"`
				AcmeServer   string `yaml:"acmeServer"`
			} `yaml:"letsencrypt"`
		} `yaml:"https"`
		Service struct {
			Type                     string   `yaml:"type"`
			LoadBalancerSourceRanges []string `yaml:"loadBalancerSourceRanges"`
		} `yaml:"service"`
	} `yaml:"proxy"`
	Cull struct {
		Enabled bool `yaml:"enabled"`
		Timeout int  `yaml:"timeout"`
		Every   int  `yaml:"every"`
	} `yaml:"cull"`
}

// readConfig reads config.yaml as the same values.
func readConfig(t *testing.T) hubValues {
	t.Helper()
	raw, err := os.ReadFile(ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	var v hubValues
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", ConfigFile, err)
	}
	return v
}

// The shapes of rendered objects the checks read.
type (
	// container is a pod's container or init container.
	container struct {
		Name            string   `yaml:"name"`
		Image           string   `yaml:"image"`
		ImagePullPolicy string   `yaml:"imagePullPolicy"`
		Command         []string `yaml:"command"`
		Args            []string `yaml:"args"`
	}
	// podTemplate is what Deployments and DaemonSets run.
	podTemplate struct {
		Spec struct {
			Template struct {
				Spec struct {
					InitContainers []container `yaml:"initContainers"`
					Containers     []container `yaml:"containers"`
					Volumes        []struct {
						Name   string `yaml:"name"`
						Secret *struct {
							SecretName string `yaml:"secretName"`
						} `yaml:"secret"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	// service is a Service.
	service struct {
		Spec struct {
			Type     string            `yaml:"type"`
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort any    `yaml:"targetPort"`
			} `yaml:"ports"`
			LoadBalancerSourceRanges []string `yaml:"loadBalancerSourceRanges"`
		} `yaml:"spec"`
	}
	// networkPolicy is a NetworkPolicy.
	networkPolicy struct {
		Spec struct {
			PodSelector selector `yaml:"podSelector"`
			PolicyTypes []string `yaml:"policyTypes"`
			Ingress     []struct {
				From  []peer   `yaml:"from"`
				Ports []npPort `yaml:"ports"`
			} `yaml:"ingress"`
			Egress []struct {
				To    []peer   `yaml:"to"`
				Ports []npPort `yaml:"ports"`
			} `yaml:"egress"`
		} `yaml:"spec"`
	}
	selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	peer struct {
		PodSelector       *selector `yaml:"podSelector"`
		NamespaceSelector *selector `yaml:"namespaceSelector"`
		IPBlock           *struct {
			CIDR   string   `yaml:"cidr"`
			Except []string `yaml:"except"`
		} `yaml:"ipBlock"`
	}
	npPort struct {
		Port     any    `yaml:"port"`
		Protocol string `yaml:"protocol"`
	}
)

// String shows a peer as a NetworkPolicy lists it.
func (p peer) String() string {
	var parts []string
	if p.PodSelector != nil {
		parts = append(parts, fmt.Sprintf("pods %v", p.PodSelector.MatchLabels))
	}
	if p.NamespaceSelector != nil {
		parts = append(parts, fmt.Sprintf("namespaces %v", p.NamespaceSelector.MatchLabels))
	}
	if p.IPBlock != nil {
		parts = append(parts, fmt.Sprintf("addresses %s except %v", p.IPBlock.CIDR, p.IPBlock.Except))
	}
	return strings.Join(parts, " in ")
}

// parseBytes reads a memory or storage size as Kubernetes and KubeSpawner
// take it: a number with an optional suffix K, M, G, T (powers of 1000) or
// Ki, Mi, Gi, Ti (of 1024).
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
		return 0, fmt.Errorf("size %q: want a number with an optional K, M, G, T, Ki, Mi, Gi or Ti suffix", s)
	}
	return f * scale, nil
}
