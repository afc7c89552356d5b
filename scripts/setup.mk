# What the workshop installs, as make rules: make decides what is stale (a
# target older than its inputs, or missing) and, run with -j, installs
# side by side what does not depend on each other. Everything lands inside
# the repository (git-ignored); `make clean` removes it. The Makefile
# includes this file; its targets call the groups at the bottom.
#
# A rule that installs runs its command through $(call run,...): one line
# when it starts, one with its seconds when it ends, its output in
# .logs/setup/NAME.log, and the end of that log when it fails. To install
# something new: write its rule here and add its target to a group.

PYTHON ?= python3
# Tools pinned outside tools.mod and the requirements files.
HELM_MODULE := helm.sh/helm/v3
HELM_VERSION := v3.22.0

# Inputs that are not files: the Go version (the tools in .bin are rebuilt
# with a new one), the Python version and the repository's folder (a venv
# and the GoNB kernel hold absolute paths). $(call valuefile,NAME,VALUE) names a
# file under .bin/.values that changes only when VALUE does, so that rules
# can depend on it. Computing them costs a few milliseconds per make.
valuefile = $(shell mkdir -p .bin/.values && f=.bin/.values/$1 && v='$2' && \
	{ [ "$$(cat $$f 2>/dev/null)" = "$$v" ] || printf '%s\n' "$$v" >$$f; } && echo $$f)
GO_VERSION := $(call valuefile,go,$(shell go env GOVERSION 2>/dev/null))
VENV_ID := $(call valuefile,venv,$(ROOT) $(shell $(PYTHON) --version 2>&1))
REPO_DIR := $(call valuefile,root,$(ROOT))
HELM_ID := $(call valuefile,helm,$(HELM_MODULE)@$(HELM_VERSION))

# $(call run,NAME,WHAT,COMMAND): see the top. COMMAND must hold no comma.
run = @mkdir -p .logs/setup; printf '==> %s\n' '$2'; start=$$SECONDS; \
	if ! ( $3 ) </dev/null >.logs/setup/$1.log 2>&1; then \
		printf '\nerror: setup step "%s" failed; the end of its log (.logs/setup/%s.log):\n' '$1' '$1' >&2; \
		tail -n 25 .logs/setup/$1.log >&2; exit 1; \
	fi; printf '==> %s: done (%d s)\n' '$2' $$((SECONDS - start))

# --- what must be there already ----------------------------------------------
.PHONY: preflight-go preflight-python preflight-npm chromium
preflight-go preflight-python preflight-npm:
	@scripts/preflight.sh $(@:preflight-%=%)
# Debian's Chromium, installed with apt-get as root on Debian or Ubuntu; else
# setup stops with the command that installs it.
chromium:
	@scripts/preflight.sh chromium --install

# --- .venv: JupyterLab, then what a class and the tests add -------------------
# A venv holds absolute paths: one made by another Python or in another
# folder is made anew.
.venv/.created: $(VENV_ID) | preflight-python
	@rm -rf .venv
	$(call run,venv,creating .venv with $(shell $(PYTHON) --version 2>&1),$(PYTHON) -m venv .venv)
	@touch $@
.venv/.requirements: requirements.txt .venv/.created
	$(call run,jupyterlab,installing JupyterLab into .venv (pinned in requirements.txt),\
		.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt)
	@touch $@
# What a class needs (JupyterHub, jupyter-server-proxy) and the linters the
# tests run, installed with JupyterLab in one pip run (one pip at a time in a
# venv, and one resolution instead of two): make setup and make test want
# this target where make lab wants the one above, which it also brings up to
# date.
.venv/.requirements-all: requirements.txt deploy/requirements.txt scripts/requirements-lint.txt .venv/.created
	$(call run,python,installing JupyterLab$(comma) JupyterHub and the linters into .venv (requirements.txt$(comma) deploy/requirements.txt$(comma) scripts/requirements-lint.txt),\
		.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt -r deploy/requirements.txt -r scripts/requirements-lint.txt)
	@touch .venv/.requirements $@
comma := ,
# The Python install the goal needs: all of it for make setup and make test.
ifneq ($(filter install-all install-test,$(MAKECMDGOALS)),)
PYTHON_READY := .venv/.requirements-all
else
PYTHON_READY := .venv/.requirements
endif

# --- .bin: Go tools pinned in tools.mod, the server, helm ----------------------
TOOLS := tools.mod tools.sum $(GO_VERSION) | preflight-go
.bin/.gonb: $(TOOLS)
	$(call run,gonb,building gonb and goimports into .bin (tools.mod),\
		GOBIN='$(ROOT)/.bin' go install -modfile=tools.mod github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports)
	@touch $@
# gopls gives cells completion and hover help; GoNB runs without it.
.bin/gopls: $(TOOLS)
	$(call run,gopls,building gopls into .bin (tools.mod),GOBIN='$(ROOT)/.bin' go install -modfile=tools.mod golang.org/x/tools/gopls)
	@touch $@
.bin/gotestsum: $(TOOLS)
	$(call run,gotestsum,building gotestsum into .bin (tools.mod),go build -modfile=tools.mod -o $@ gotest.tools/gotestsum)
# The compose file loader the tests read docker-compose.yml with.
.bin/compose-spec: $(TOOLS)
	$(call run,compose-spec,building compose-spec into .bin (tools.mod),go build -modfile=tools.mod -o $@ github.com/compose-spec/compose-go/v2/cmd)
# helm renders the Zero to JupyterHub config in the tests.
.bin/helm: $(HELM_ID) $(GO_VERSION) | preflight-go
	$(call run,helm,building helm $(HELM_VERSION) into .bin (several minutes the first time),\
		GOBIN='$(ROOT)/.bin' go install $(HELM_MODULE)/cmd/helm@$(HELM_VERSION))
	@touch $@
# The modules of go.mod, downloaded so that a notebook or a test never waits
# for the network. go mod tidy (which make test runs as a check) also reads
# the modules of the dependencies' tests: its first run fetches them.
.bin/.modules: go.mod go.sum $(GO_VERSION) | preflight-go
	$(call run,modules,downloading Go modules,go mod download && { go mod tidy -diff >/dev/null || true; })
	@touch $@
# The server binary make lab runs: Go's build cache makes it a moment.
.PHONY: server-binary
server-binary: | preflight-go
	@go build -o .bin/workshop-server ./server

# --- .jupyter: the GoNB kernel and a workshop room's JupyterLab settings ------
KERNEL := .jupyter/kernels/gonb/kernel.json
$(KERNEL): .bin/.gonb $(PYTHON_READY) $(REPO_DIR) scripts/install-kernel.sh scripts/gonb_kernel.py
	$(call run,kernel,installing the GoNB kernel into .jupyter,scripts/install-kernel.sh)
	@touch $@
# No news pop-up, no update checks (both need the internet). Written once;
# later changes by the user are kept.
LAB_SETTINGS := .jupyter/config/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings
$(LAB_SETTINGS):
	@mkdir -p $(@D) && printf '{\n  "checkForUpdates": false,\n  "fetchNews": "false"\n}\n' >$@

# --- a class: the hub's proxy and the Zero to JupyterHub chart ----------------
CHP := deploy/classroom/node_modules/.workshop-installed
$(CHP): deploy/classroom/package.json deploy/classroom/package-lock.json | preflight-npm
	$(call run,proxy,installing configurable-http-proxy into deploy/classroom/node_modules (package-lock.json),\
		npm ci --prefix deploy/classroom --no-audit --no-fund --ignore-scripts --loglevel=error)
	@touch $@
.PHONY: z2jh-chart
z2jh-chart: .bin/helm
	@scripts/setup-classroom.sh

# --- the groups ----------------------------------------------------------------
# install-lab: what JupyterLab needs before it starts (make lab).
# install-all: what install-lab installs (but the server's binary), gopls,
# what a class and the tests need (make setup).
# install-test: install-all and Chromium (make test).
# later: what make lab does in the background once JupyterLab is up, one
# after another: compile the packages notebook cells import (first cells
# then build in seconds), gopls, then the same packages with -race -trimpath
# (notebook 07's race cells: Go's cache keys include both flags).
.PHONY: install-lab install-all install-test later warm-cells warm-cells-race
INSTALL_BASE := $(PYTHON_READY) .bin/.gonb .bin/.modules $(KERNEL) $(LAB_SETTINGS)
install-lab: $(INSTALL_BASE) server-binary
	@:
# The tests and the class build the server themselves.
install-all: $(INSTALL_BASE) .bin/gopls .bin/gotestsum .bin/compose-spec $(CHP) z2jh-chart
	@:
install-test: install-all chromium
	@:
later:
	@$(MAKE) --no-print-directory warm-cells
	@$(MAKE) --no-print-directory .bin/gopls
	@$(MAKE) --no-print-directory warm-cells-race
warm-cells: | preflight-go
	$(call run,warm-cells,compiling the packages notebook cells import,go build ./notebooks/cellimports)
warm-cells-race: | preflight-go
	$(call run,warm-cells-race,the same with -race -trimpath for notebook 07,go build -race -trimpath ./notebooks/cellimports)
