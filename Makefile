# The workshop's commands. Everything installs inside this repository
# (.venv/, .bin/, .jupyter/); see scripts/setup.sh.
#
#   make lab          install what is missing, start the video server and JupyterLab
#   make classroom    install what is missing, start a JupyterHub class on this
#                     machine (each attendee: own JupyterLab and mock server;
#                     as root, each their own account, walled off)
#   make classroom-reset  remove the class's accounts, homes and state
#   make test         install what is missing, then vet and run every test
#                     (Go tests, every notebook in Jupyter, the browser check)
#   make test-short   the fast unit layer only (no Jupyter, no browser)
#   make server       run the mock video server in the foreground
#   make bench        print the server load, content-warnings, per-cell and classroom benchmarks
#   make notebooks    re-run every notebook and save its outputs into notebooks/
#   make clean        remove .venv/, .bin/, .jupyter/, .logs/ and artifacts/

SHELL := bash
ROOT := $(CURDIR)

# The same environment scripts/env.sh sets, for the targets below.
export PATH := $(ROOT)/.venv/bin:$(ROOT)/.bin:$(PATH)
export JUPYTER_DATA_DIR := $(ROOT)/.jupyter
export JUPYTER_CONFIG_DIR := $(ROOT)/.jupyter/config

.PHONY: setup lab classroom classroom-reset test test-short server bench notebooks clean

# setup installs everything but Chromium, which only make test needs (see
# scripts/setup.sh); make lab installs only what JupyterLab needs before it
# starts, and the rest (gopls) in the background once it is up.
setup:
	@scripts/setup.sh all

lab:
	@scripts/lab.sh

classroom: setup
	@scripts/classroom.sh

classroom-reset:
	@scripts/classroom-reset.sh

# go mod tidy -diff fails when go.mod or go.sum is not tidy (the packages the
# notebook cells import are kept by notebooks/cellimports; the dev tools are in
# tools.mod, which tidy leaves alone). macOS is supported too, so the code is
# vetted as it builds there (Linux-only code, such as /proc, is build-tagged).
# go test -json feeds scripts/testsummary, which prints what plain go test
# would (package lines, failures in full), the time of each notebook and of
# the browser check, and a closing line of counts. -count=1: go test cannot
# see that Jupyter and Chromium are inputs, so cached results would skip them.
# -p 1: one package at a time. The notebook checks, the classroom and the
# browser checks each drive real Jupyter servers and check that a lesson's
# timings hold; two of them at once on two cores bend each other's timings.
test: .bin/testsummary
	@scripts/setup.sh test
	go mod tidy -diff
	go vet ./...
	GOOS=darwin go vet ./...
	set -o pipefail; go test -race -count=1 -p 1 -timeout 45m -json ./... | .bin/testsummary

test-short: .bin/testsummary
	set -o pipefail; go test -short -race -json ./... | .bin/testsummary

.bin/testsummary: scripts/testsummary/main.go
	@mkdir -p .bin && go build -o $@ ./scripts/testsummary

server:
	go run ./server

# The server under 1000 connections (with the cost of 50 open dashboards and
# the controls), then the content-warnings app (sync vs final) at the
# workshop's latency, then every notebook cell's latency and CPU in the
# kernel as shipped and as it was before the fast path, then a class on the
# one-machine hub for growing class sizes (docs/classroom.md); each prints
# its figures (docs/benchmarks.md).
bench: setup
	go run ./server/cmd/loadbench
	go run ./snippets/cmd/contentwarningsbench
	go run ./notebooks/cellbench
	go test -run '^$$' -bench BenchmarkClassroom -benchtime 1x -timeout 90m ./deploy/classroom

notebooks: setup
	go test ./notebooks -run TestNotebooks -timeout 90m -args -update

clean:
	rm -rf .venv .bin .jupyter .logs artifacts
