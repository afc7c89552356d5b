#!/usr/bin/env bash
# Installs what the workshop needs into the repository and starts nothing.
#
#   scripts/setup.sh [lab|all|test|later]
#
#   lab    what JupyterLab needs to start (make lab): a Python virtual
#          environment with the pinned JupyterLab (.venv), gonb and goimports
#          (.bin), the GoNB kernel (.jupyter), the Go modules, the server binary
#   all    (the default; make setup) lab, and gopls and what running a class
#          needs (scripts/setup-classroom.sh)
#   test   (make test) all, and Chromium for the browser check: installed with
#          apt-get when this runs as root on Debian or Ubuntu; anywhere else
#          setup stops and prints the one command that installs it
#   later  what make lab does in the background once JupyterLab is up: compile
#          the packages notebook cells import (so first cells build fast),
#          build gopls (completion and hover help in cells), then compile the
#          cell packages again with -race -trimpath (notebook 07 runs cells
#          with them)
#
# Each step is a function named step_NAME below. It remembers what it installed
# in a stamp file and is skipped while its inputs are unchanged, so a second
# run takes about a second. run_steps runs independent steps side by side,
# each with its output in .logs/setup/NAME.log (shown when it fails). To add
# a step: write step_NAME and list it in a stage of the group it belongs to
# (bottom of this file).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

group="${1:-all}"
case "$group" in
lab | all | test | later) ;;
*) die "unknown setup group '$group': use lab, all, test or later" ;;
esac

LOGS="$ROOT/.logs/setup"
mkdir -p "$LOGS" .bin

# Progress lines of steps go to the terminal (fd 3), whatever a step's own
# output is redirected to.
exec 3>&1
step() { printf '==> %s\n' "$*" >&3; }
# finished prints a step's closing line with the seconds the step took.
STEP_START=$SECONDS
finished() { step "$* ($((SECONDS - STEP_START)) s)"; }

# version_ge A B succeeds when dotted version A >= B (missing parts count as 0).
version_ge() {
	local -a a b
	local i
	IFS=. read -ra a <<<"$1"
	IFS=. read -ra b <<<"$2"
	for i in 0 1 2; do
		if ((${a[i]:-0} > ${b[i]:-0})); then return 0; fi
		if ((${a[i]:-0} < ${b[i]:-0})); then return 1; fi
	done
	return 0
}

# up_to_date STAMP WANT [FILE...] succeeds when STAMP holds WANT and every
# FILE exists; record STAMP WANT writes it once a step has succeeded.
up_to_date() {
	local stamp="$1" want="$2"
	shift 2
	[[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]] || return 1
	local f
	for f in "$@"; do [[ -e "$f" ]] || return 1; done
}
record() { echo "$2" >"$1"; }

# --- running steps -----------------------------------------------------------

# run_steps NAME... runs step_NAME for each NAME side by side and waits for
# all of them. Each one's output goes to .logs/setup/NAME.log; when one fails,
# the end of its log is printed and setup stops (once the others are done).
running=()
stop_running() {
	local pid
	# ${a[@]+"${a[@]}"}: an empty array under set -u in macOS's bash 3.2.
	for pid in ${running[@]+"${running[@]}"}; do kill -TERM -- "-$pid" 2>/dev/null || true; done
}
trap stop_running EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
run_steps() {
	local name i=0 failed=()
	for name in "$@"; do
		# set -m: each step in its own process group, so stop_running can end
		# it with everything it started.
		set -m
		STEP_START=$SECONDS
		"step_$name" </dev/null >"$LOGS/$name.log" 2>&1 &
		running+=("$!")
		set +m
	done
	for name in "$@"; do
		wait "${running[$i]}" || failed+=("$name")
		i=$((i + 1))
	done
	running=()
	((${#failed[@]} == 0)) && return 0
	for name in "${failed[@]}"; do
		printf '\nerror: setup step "%s" failed; the end of its log (%s):\n' "$name" "${LOGS#"$ROOT"/}/$name.log" >&2
		tail -n 25 "$LOGS/$name.log" >&2
	done
	exit 1
}

# --- what must be there already ------------------------------------------------

check_go() {
	local need need_minor have
	need="$(awk '$1 == "go" { print $2; exit }' go.mod)" # e.g. 1.26.0
	need_minor="$(echo "$need" | cut -d. -f1,2)"         # e.g. 1.26
	command -v go >/dev/null ||
		die "Go is not installed (or not on PATH). Install Go >= $need_minor from https://go.dev/dl/ and run this again."
	have="$(cd / && GOTOOLCHAIN=local go env GOVERSION | sed 's/^go//; s/[^0-9.].*//')"
	version_ge "$have" "$need_minor" ||
		die "Go $have is too old: this workshop needs Go >= $need_minor (go.mod says go $need). Install a newer Go from https://go.dev/dl/."
}

# The pinned requirements (IPython 9, tornado 6.6) need Python 3.11 or newer.
PY_NEED=3.11
PYTHON="${PYTHON:-python3}"
check_python() {
	command -v "$PYTHON" >/dev/null ||
		die "Python 3 is not installed (or '$PYTHON' is not on PATH). Install Python >= $PY_NEED (e.g. 'sudo apt-get install python3 python3-venv') or set PYTHON=/path/to/python3."
	PY_HAVE="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
	version_ge "$PY_HAVE" "$PY_NEED" ||
		die "Python $PY_HAVE is too old: JupyterLab's pinned requirements need Python >= $PY_NEED. Install a newer one, or point PYTHON=/path/to/python3.x at it."
}

# The browser check drives the system's Chromium: /usr/bin/chromium (Debian's
# package) or `chromium` on PATH. check_chromium sets CHROMIUM_STEP to
# "chromium" when it is missing and this machine can install it (root on
# Debian or Ubuntu); elsewhere it stops with the command that installs it.
CHROMIUM_STEP=""
check_chromium() {
	[[ -x /usr/bin/chromium ]] && return
	local found
	found="$(command -v chromium)" && [[ -f "$found" && -x "$found" ]] && return
	local os_ids=""
	[[ -r /etc/os-release ]] && os_ids="$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")"
	local debian=""
	[[ " $os_ids " == *" debian "* || " $os_ids " == *" ubuntu "* ]] && command -v apt-get >/dev/null && debian=1
	if [[ -n "$debian" && "$(id -u)" -eq 0 ]]; then
		CHROMIUM_STEP=chromium
	elif [[ -n "$debian" ]]; then
		die "the browser check needs Chromium. Install it with: sudo apt-get update && sudo apt-get install -y chromium"
	elif [[ "$(uname -s)" == Darwin ]]; then
		die "the browser check needs Chromium. Install it with: brew install --cask chromium"
	else
		die "the browser check needs Chromium: install it with your system's package manager, so that 'chromium' is on PATH"
	fi
}

# --- the steps -----------------------------------------------------------------

# .venv: the pinned JupyterLab. A venv holds absolute paths, so one made by
# another Python or in another location is rebuilt; a changed
# requirements.txt is installed into it.
step_venv() {
	local id_stamp=.venv/.workshop-python id="$ROOT python $PY_HAVE"
	local req_stamp=.venv/.workshop-requirements req
	req="$(fingerprint "" requirements.txt)"
	if ! up_to_date "$id_stamp" "$id" || ! .venv/bin/python -c ''; then
		step "creating .venv with Python $PY_HAVE"
		rm -rf .venv
		"$PYTHON" -m venv .venv ||
			die "'$PYTHON -m venv' failed. On Debian/Ubuntu install the venv module: sudo apt-get install python3-venv"
		record "$id_stamp" "$id"
	fi
	if up_to_date "$req_stamp" "$req"; then
		step "JupyterLab in .venv: up to date"
		return
	fi
	step "installing JupyterLab into .venv (pinned in requirements.txt; about a minute the first time)"
	.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
	record "$req_stamp" "$req"
	finished "JupyterLab in .venv: installed"
}

# .bin: a pinned Go tool from tools.mod. go_tool NAME STAMP PACKAGE...
go_tool() {
	local name="$1" stamp="$2" want
	shift 2
	want="$(fingerprint "$(go env GOVERSION)" tools.mod tools.sum)"
	local bins=() p
	for p in "$@"; do bins+=(".bin/${p##*/}"); done
	if up_to_date "$stamp" "$want" "${bins[@]}"; then
		step "$name in .bin: up to date"
		return
	fi
	step "building $name into .bin (pinned in tools.mod)"
	GOBIN="$ROOT/.bin" go install -modfile=tools.mod "$@"
	record "$stamp" "$want"
	finished "$name in .bin: built"
}
GONB_STAMP=.bin/.workshop-gonb
step_go_tools() { go_tool "gonb and goimports" "$GONB_STAMP" github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports; }
# gopls gives cells completion and hover help; GoNB runs without it.
step_gopls() { go_tool gopls .bin/.workshop-gopls golang.org/x/tools/gopls; }

# The Go modules of go.mod, downloaded now so that running a notebook or a
# test never waits for the network.
step_go_modules() {
	local stamp=.bin/.workshop-modules want
	want="$(fingerprint "$(go env GOVERSION GOMODCACHE)" go.mod go.sum)"
	if up_to_date "$stamp" "$want"; then
		step "Go modules: up to date"
		return
	fi
	step "downloading Go modules"
	go mod download
	# go mod tidy (which make test runs as a check) also reads the modules of
	# the tests of dependencies; its first run fetches them, so the check
	# works offline later. Whether go.mod is tidy is the check's business.
	go mod tidy -diff >/dev/null || true
	record "$stamp" "$want"
	finished "Go modules: downloaded"
}

# .bin/workshop-server, which make lab runs (Go's build cache makes a rebuild
# of unchanged code take a moment).
step_server() {
	go build -o .bin/workshop-server ./server
	finished "video server: built"
}

# .jupyter: the GoNB kernel, installed by scripts/gonb_kernel.py with the
# environment every cell is built with (the image installs it the same way).
# gonb writes absolute paths into kernel.json, so it is reinstalled whenever
# the repository moved, gonb was rebuilt or the script changed. --force-deps:
# gopls may still be building (see the later group). The kernel needs
# jupyter, goimports and gopls on its PATH: .bin and .venv/bin go before
# whatever PATH Jupyter has, so the kernel finds them however JupyterLab or
# the notebook tests started.
step_kernel() {
	local dir=.jupyter/kernels/gonb
	local stamp="$dir/.workshop-kernel" want
	want="$(fingerprint "$ROOT" "$GONB_STAMP" scripts/gonb_kernel.py)"
	if up_to_date "$stamp" "$want" "$dir/kernel.json"; then
		step "GoNB kernel in .jupyter: up to date"
		return
	fi
	.venv/bin/python scripts/gonb_kernel.py .bin/gonb .jupyter --force-deps --path-prefix "$ROOT/.bin:$ROOT/.venv/bin" ||
		die "installing the GoNB kernel failed (see above)"
	record "$stamp" "$want"
	finished "GoNB kernel in .jupyter: installed"
}

# JupyterLab settings for a workshop room: no news pop-up, no update checks
# (both need the internet). Written once; later changes by the user are kept.
step_lab_settings() {
	local f=.jupyter/config/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings
	[[ -f "$f" ]] && return
	mkdir -p "$(dirname "$f")"
	printf '{\n  "checkForUpdates": false,\n  "fetchNews": "false"\n}\n' >"$f"
}

# What running a class needs: JupyterHub, its proxy, hadolint, helm (its own
# script says why and how).
step_classroom() { "$ROOT/scripts/setup-classroom.sh" >&3; }

# Debian's Chromium, for the browser check (see check_chromium).
step_chromium() {
	step "installing Chromium with apt-get (for the browser check)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
	[[ -x /usr/bin/chromium ]] || die "apt-get installed the chromium package, but there is no /usr/bin/chromium"
	finished "Chromium: installed"
}

# The Go build cache, filled with the packages notebook cells import
# (notebooks/cellimports lists them): GoNB then compiles a first cell in
# seconds instead of a minute. The -race variant serves notebook 07.
step_warm_cells() {
	go build ./notebooks/cellimports
	finished "Go build cache: the packages notebook cells import are compiled"
}
# Notebook 07 builds its race cells with %goflags -race -trimpath: the cache
# keys include both flags, so the cache is warmed with both.
step_warm_cells_race() {
	go build -race -trimpath ./notebooks/cellimports
	finished "Go build cache: the same with -race -trimpath, for notebook 07"
}

# --- the groups ------------------------------------------------------------------
# Steps in one run_steps call run side by side; the calls run one after another.
check_go
case "$group" in
lab)
	check_python
	run_steps venv go_tools go_modules server
	run_steps kernel lab_settings
	;;
all | test)
	check_python
	[[ "$group" == test ]] && check_chromium
	run_steps venv go_tools gopls go_modules $CHROMIUM_STEP
	run_steps kernel lab_settings classroom
	;;
later)
	run_steps warm_cells
	run_steps gopls
	run_steps warm_cells_race
	;;
esac
