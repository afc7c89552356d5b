// Package composefile reads the repository's docker-compose.yml as Docker
// Compose does: with the Compose Specification's reference loader
// (compose-go), which checks the file against the specification's schema,
// fills in the variables' defaults and normalises the short forms (a port
// "127.0.0.1:8000:8000" becomes its parts). The loader is a program pinned in
// tools.mod and built into .bin by `make setup`, so its dependencies (the
// Docker packages among them) stay out of the workshop's own module.
package composefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Loader is the loader's program, relative to the repository's root.
const Loader = ".bin/compose-spec"

// File is the compose file, relative to the repository's root.
const File = "docker-compose.yml"

// Project is the part of a loaded compose file the workshop's tests read.
type Project struct {
	Name     string             `json:"name"`
	Services map[string]Service `json:"services"`
}

// Service is one service of a project, as the loader normalises it.
type Service struct {
	Image       string             `json:"image"`
	Build       *Build             `json:"build"`
	Ports       []Port             `json:"ports"`
	Volumes     []Volume           `json:"volumes"`
	Environment map[string]*string `json:"environment"` // nil: named without a value
	HealthCheck *HealthCheck       `json:"healthcheck"`
	DependsOn   map[string]any     `json:"depends_on"`
}

// Build is where a service's image is built from.
type Build struct {
	Context    string `json:"context"` // an absolute path
	Dockerfile string `json:"dockerfile"`
}

// Port is one published port.
type Port struct {
	HostIP    string `json:"host_ip"`
	Target    int    `json:"target"`
	Published string `json:"published"`
	Protocol  string `json:"protocol"`
}

// Volume is one mount of a service.
type Volume struct {
	Type   string `json:"type"`
	Source string `json:"source"`
	Target string `json:"target"`
}

// HealthCheck is a service's health check.
type HealthCheck struct {
	Test    []string `json:"test"`
	Disable bool     `json:"disable"`
}

// Load loads root's docker-compose.yml with the loader in root's .bin, in an
// environment without the caller's variables, so that every variable takes
// the default the file gives it. Its error says what the loader found wrong,
// or how to install the loader.
func Load(root string) (Project, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return Project{}, err
	}
	loader := filepath.Join(root, Loader)
	if _, err := os.Stat(loader); err != nil {
		return Project{}, fmt.Errorf("the compose file loader %s is missing: run `make setup` in the repository root (it builds it from tools.mod)", Loader)
	}
	cmd := exec.Command(loader, "-format", "json", File)
	cmd.Dir = root
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = errors.Join(err, errors.New(msg))
		}
		return Project{}, fmt.Errorf("loading %s: %w", File, err)
	}
	var p Project
	if err := json.Unmarshal(out, &p); err != nil {
		return Project{}, fmt.Errorf("reading what the loader made of %s: %w", File, err)
	}
	return p, nil
}
