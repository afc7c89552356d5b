package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
)

// OldLinkCell is the first code cell every notebook had before the fast
// path: it links the kernel's module to the workshop, and GoNB then runs
// `go get` before every cell.
const OldLinkCell = "!*go mod edit -replace github.com/go-async-workshop/workshop=${GONB_DIR}/.. -require github.com/go-async-workshop/workshop@v0.0.0"

// config is one way of running cells that the benchmark measures.
type config struct {
	Name string // in the report, and the kernel's name: "gonb-" + Name
	// About says in a few words what the configuration is.
	About string
	// LinkCell, when not empty, replaces each notebook's first code cell.
	LinkCell string
	// Spec derives the configuration's kernel.json from the one `make
	// setup` installed.
	Spec func(installed kernelSpec) (kernelSpec, error)
}

// configs are the two configurations, measured side by side: the control
// first.
var configs = []config{
	{
		Name:     "before",
		About:    "the kernel as installed before the fast path (only PATH in its environment) and the old first cell: GoNB runs go get before every cell, every cell binary carries debug information",
		LinkCell: OldLinkCell,
		Spec:     beforeSpec,
	},
	{
		Name:  "fast",
		About: "the kernel as make setup installs it now and the notebooks as committed",
		Spec:  func(installed kernelSpec) (kernelSpec, error) { return installed.clone(), nil },
	},
}

// kernelName is the name of a configuration's kernel in the benchmark's own
// Jupyter data folder.
func (c config) kernelName() string { return "gonb-" + c.Name }

// kernelSpec is a kernel.json: argv, display_name, language, env, ...
type kernelSpec map[string]any

// readSpec reads a kernel.json.
func readSpec(path string) (kernelSpec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s kernelSpec
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if _, ok := s["argv"].([]any); !ok {
		return nil, fmt.Errorf("%s has no argv: not a kernel spec", path)
	}
	return s, nil
}

// clone copies the spec deeply enough to change its env.
func (s kernelSpec) clone() kernelSpec {
	c := maps.Clone(s)
	c["env"] = maps.Clone(s.env())
	return c
}

// env returns the spec's environment (never nil).
func (s kernelSpec) env() map[string]any {
	if e, ok := s["env"].(map[string]any); ok {
		return e
	}
	return map[string]any{}
}

// beforeSpec is the installed kernel with the environment the workshop gave
// it before the fast path: PATH only.
func beforeSpec(installed kernelSpec) (kernelSpec, error) {
	s := installed.clone()
	env := map[string]any{}
	if p, ok := installed.env()["PATH"]; ok {
		env["PATH"] = p
	}
	s["env"] = env
	return s, nil
}

// install writes the configuration's kernel into dataDir/kernels, with
// extra environment variables (the mock server it talks to).
func (c config) install(installed kernelSpec, dataDir string, extraEnv map[string]string) error {
	s, err := c.Spec(installed)
	if err != nil {
		return err
	}
	env := s.env()
	for k, v := range extraEnv {
		env[k] = v
	}
	s["env"] = env
	s["display_name"] = "Go (gonb, " + c.Name + ")"
	dir := filepath.Join(dataDir, "kernels", c.kernelName())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "kernel.json"), raw, 0o644)
}
