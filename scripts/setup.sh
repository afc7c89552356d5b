#!/usr/bin/env bash
# Installs everything the workshop needs into the repository and starts nothing:
# a Python virtual environment with the pinned JupyterLab (.venv), the pinned Go
# tools (.bin), the GoNB kernel (.jupyter) and the Go modules the notebooks use.
# Each step remembers what it installed in a stamp file and is skipped while its
# inputs are unchanged, so a second run takes about a second.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# version_ge A B succeeds when dotted version A >= B (missing parts count as 0).
version_ge() {
	local IFS=.
	local -a a=($1) b=($2)
	local i
	for i in 0 1 2; do
		if ((${a[i]:-0} > ${b[i]:-0})); then return 0; fi
		if ((${a[i]:-0} < ${b[i]:-0})); then return 1; fi
	done
	return 0
}

# --- Go --------------------------------------------------------------------
go_need="$(awk '$1 == "go" { print $2; exit }' go.mod)" # e.g. 1.26.8
go_need_minor="$(echo "$go_need" | cut -d. -f1,2)"      # e.g. 1.26
command -v go >/dev/null ||
	die "Go is not installed (or not on PATH). Install Go >= $go_need_minor from https://go.dev/dl/ and run this again."
go_have="$(cd / && GOTOOLCHAIN=local go env GOVERSION | sed 's/^go//; s/[^0-9.].*//')"
version_ge "$go_have" "$go_need_minor" ||
	die "Go $go_have is too old: this workshop needs Go >= $go_need_minor (go.mod says go $go_need). Install a newer Go from https://go.dev/dl/."

# --- Python ----------------------------------------------------------------
# The pinned requirements (IPython 9, tornado 6.6) need Python 3.11 or newer.
py_need=3.11
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null ||
	die "Python 3 is not installed (or '$PYTHON' is not on PATH). Install Python >= $py_need (e.g. 'sudo apt-get install python3 python3-venv') or set PYTHON=/path/to/python3."
py_have="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
version_ge "$py_have" "$py_need" ||
	die "Python $py_have is too old: JupyterLab's pinned requirements need Python >= $py_need. Install a newer one, or point PYTHON=/path/to/python3.x at it."

# --- .venv: pinned JupyterLab ----------------------------------------------
# A venv holds absolute paths, so one made by another Python or in another
# location is rebuilt; a changed requirements.txt is installed into it.
venv_id_stamp=.venv/.workshop-python
venv_id="$ROOT python $py_have"
req_stamp=.venv/.workshop-requirements
req_want="$(fingerprint "" requirements.txt)"
if [[ "$(cat "$venv_id_stamp" 2>/dev/null)" != "$venv_id" ]] || ! .venv/bin/python -c '' 2>/dev/null; then
	step "creating .venv with Python $py_have"
	rm -rf .venv
	if ! "$PYTHON" -m venv .venv >/dev/null 2>.venv.err; then
		cat .venv.err >&2
		rm -rf .venv .venv.err
		die "'$PYTHON -m venv' failed. On Debian/Ubuntu install the venv module: sudo apt-get install python3-venv"
	fi
	rm -f .venv.err
	echo "$venv_id" >"$venv_id_stamp"
fi
if [[ "$(cat "$req_stamp" 2>/dev/null)" != "$req_want" ]]; then
	step "installing JupyterLab into .venv (pinned in requirements.txt; first run takes a minute or two)"
	.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
	echo "$req_want" >"$req_stamp"
else
	step "JupyterLab in .venv: up to date"
fi

# --- .bin: pinned Go tools -------------------------------------------------
tools_stamp=.bin/.workshop-tools
tools_want="$(fingerprint "$(go env GOVERSION)" tools.mod tools.sum)"
if [[ "$(cat "$tools_stamp" 2>/dev/null)" != "$tools_want" ]] ||
	[[ ! -x .bin/gonb || ! -x .bin/goimports || ! -x .bin/gopls ]]; then
	step "building gonb, goimports and gopls into .bin (pinned in tools.mod; first run takes a few minutes)"
	mkdir -p .bin
	GOBIN="$ROOT/.bin" go install -modfile=tools.mod tool
	echo "$tools_want" >"$tools_stamp"
else
	step "Go tools in .bin: up to date"
fi

# --- .jupyter: the GoNB kernel ---------------------------------------------
# gonb writes absolute paths into kernel.json, so it is reinstalled whenever the
# repository moved or gonb was rebuilt. The kernel needs jupyter, goimports and
# gopls on its PATH; kernel.json's "env" prepends .bin and .venv/bin to whatever
# PATH Jupyter has (Jupyter expands ${PATH}), so the kernel finds them however
# JupyterLab or the notebook tests were started.
kernel_dir=.jupyter/kernels/gonb
kernel_stamp="$kernel_dir/.workshop-kernel"
kernel_want="$(fingerprint "$ROOT" "$tools_stamp")"
if [[ "$(cat "$kernel_stamp" 2>/dev/null)" != "$kernel_want" || ! -f "$kernel_dir/kernel.json" ]]; then
	step "installing the GoNB kernel into .jupyter"
	if ! out="$("$ROOT/.bin/gonb" -install -logtostderr 2>&1)"; then
		echo "$out" >&2
		die "gonb -install failed (see above)"
	fi
	.venv/bin/python - "$kernel_dir/kernel.json" "$ROOT" <<'PY'
import json, sys
path, root = sys.argv[1], sys.argv[2]
with open(path) as f:
    spec = json.load(f)
spec.setdefault("env", {})["PATH"] = f"{root}/.bin:{root}/.venv/bin:${{PATH}}"
with open(path, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
PY
	echo "$kernel_want" >"$kernel_stamp"
else
	step "GoNB kernel in .jupyter: up to date"
fi

# JupyterLab settings for a workshop room: no news pop-up, no update checks
# (both need the internet). Written once; later changes by the user are kept.
notify=.jupyter/config/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings
if [[ ! -f "$notify" ]]; then
	mkdir -p "$(dirname "$notify")"
	printf '{\n  "checkForUpdates": false,\n  "fetchNews": "false"\n}\n' >"$notify"
fi

# --- Go modules ------------------------------------------------------------
# Download now so running a notebook never waits for the network.
mods_stamp=.bin/.workshop-modules
mods_want="$(fingerprint "$(go env GOVERSION GOMODCACHE)" go.mod go.sum)"
if [[ "$(cat "$mods_stamp" 2>/dev/null)" != "$mods_want" ]]; then
	step "downloading Go modules"
	go mod download
	# go mod tidy (which make test runs as a check) also reads the modules of
	# the tests of dependencies; its first run fetches them, so the check
	# works offline later. Whether go.mod is tidy is the check's business.
	go mod tidy -diff >/dev/null || true
	echo "$mods_want" >"$mods_stamp"
else
	step "Go modules: up to date"
fi

# --- running a class -------------------------------------------------------
# JupyterHub, its proxy, hadolint and helm: a separate script (it says why).
"$ROOT/scripts/setup-classroom.sh"
