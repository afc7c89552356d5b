# The workshop's commands. Everything installs inside this repository
# (.venv/, .bin/, .jupyter/); scripts/setup.mk has the rules, and make
# installs only what is missing or stale, several things at once.
#
#   make lab          install what is missing, start the video server and JupyterLab
#   make classroom    install what is missing, start a JupyterHub class on this
#                     machine (each attendee: own JupyterLab and mock server;
#                     as root, each their own account, walled off)
#   make classroom-reset  remove the class's accounts, homes and state
#   make classroom-room MODE=on|off|reset  the room moment: attendees' kernels on one shared server
#   make test         install what is missing, then vet, lint and run every test
#                     (Go tests, every notebook in Jupyter, the browser checks)
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

# How many installs run at once: most wait for the network or on one
# another, so more than the cores.
SETUP_JOBS ?= 8
INSTALL = $(MAKE) -j$(SETUP_JOBS) --no-print-directory

.PHONY: setup lab classroom classroom-reset classroom-room test test-short lint server bench notebooks clean

# setup installs everything but Chromium, which only make test needs; make
# lab installs only what JupyterLab needs before it starts, and the rest
# (gopls) in the background once it is up (scripts/lab.sh).
setup:
	@$(INSTALL) install-all

lab:
	@scripts/lab.sh

classroom: setup
	@scripts/classroom.sh

classroom-reset:
	@scripts/classroom-reset.sh

# The room moment: MODE=on points attendees' kernels (after a restart) at the
# server the room shares, MODE=off back at their own, MODE=reset zeroes it.
classroom-room:
	@scripts/classroom-room.sh $(MODE)

# go mod tidy -diff fails when go.mod or go.sum is not tidy (the packages the
# notebook cells import are kept by notebooks/cellimports; the dev tools are in
# tools.mod, which tidy leaves alone). macOS is supported too, so the code is
# vetted as it builds there (Linux-only code, such as /proc, is build-tagged).
# gotestsum (pinned in tools.mod) prints a line per package as it ends;
# then come the tests that took longest (each notebook and the browser checks
# among them) and, last, the failures in full and the count of tests, read
# back from the run's JSON (.logs/test.json). -count=1: go test cannot see
# that Jupyter and Chromium are inputs, so cached results would skip them.
# Packages run side by side, as go test does by default: the lessons' checks
# hold on a busy machine (docs/testing.md).
TEST_JSON := .logs/test.json
test:
	@$(INSTALL) install-test
	go mod tidy -diff
	go vet ./...
	GOOS=darwin go vet ./...
	@$(MAKE) --no-print-directory lint
	@mkdir -p .logs; status=0; \
	gotestsum --format pkgname --hide-summary=all --jsonfile $(TEST_JSON) -- -race -count=1 -timeout 45m ./... || status=$$?; \
	gotestsum tool slowest --jsonfile $(TEST_JSON) --threshold 20s; \
	gotestsum --format none --raw-command -- cat $(TEST_JSON) || true; \
	exit $$status

test-short: .bin/gotestsum
	gotestsum --format pkgname-and-test-fails -- -short -race ./...

# shellcheck on every script in the repository: each file of the work tree
# (git's, new ones too) whose first line starts a shell.
SCRIPTS = $(shell git ls-files --cached --others --exclude-standard | while read -r f; do \
	[ -f "$$f" ] && head -n 1 "$$f" | grep -qE '^\#!.*[/ ](ba)?sh$$' && echo "$$f"; done)
lint: .venv/.requirements-all
	shellcheck --external-sources $(SCRIPTS)

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
	go test -run '^$$' -bench BenchmarkClassPace -benchtime 1x ./deploy/board
	go test -run '^$$' -bench BenchmarkReportingCost -benchtime 1x -timeout 40m ./deploy

notebooks: setup
	go test ./notebooks -run TestNotebooks -timeout 90m -args -update

clean:
	rm -rf .venv .bin .jupyter .logs artifacts

include scripts/setup.mk
