#!/usr/bin/env bash
# Checks that what the workshop builds on is installed, before make installs
# anything with it; when something is missing or too old, says so with the
# one command that fixes it and exits 1.
#
#   scripts/preflight.sh go | python | npm | chromium [--install]
#
# chromium --install installs Debian's Chromium with apt-get when this runs as
# root on Debian or Ubuntu (as CI does); anywhere else it stops with the
# command that installs it. make test runs it; the browser tests need it.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

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
check_python() {
	local python="${PYTHON:-python3}" have
	command -v "$python" >/dev/null ||
		die "Python 3 is not installed (or '$python' is not on PATH). Install Python >= $PY_NEED (e.g. 'sudo apt-get install python3 python3-venv') or set PYTHON=/path/to/python3."
	have="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
	version_ge "$have" "$PY_NEED" ||
		die "Python $have is too old: JupyterLab's pinned requirements need Python >= $PY_NEED. Install a newer one, or point PYTHON=/path/to/python3.x at it."
	"$python" -c 'import venv, ensurepip' 2>/dev/null ||
		die "Python $have has no venv module (or no ensurepip). On Debian/Ubuntu install it with: sudo apt-get install python3-venv"
}

check_npm() {
	command -v npm >/dev/null ||
		die "npm is not installed: the classroom hub's proxy (configurable-http-proxy) needs Node.js >= 20 with npm (e.g. 'sudo apt-get install nodejs npm')"
}

# The browser tests drive the system's Chromium: /usr/bin/chromium (Debian's
# package) or `chromium` on PATH; a browser is never downloaded.
check_chromium() {
	local install="${1:-}" found os_ids="" debian=""
	[[ -x /usr/bin/chromium ]] && return
	found="$(command -v chromium)" && [[ -f "$found" && -x "$found" ]] && return
	[[ -r /etc/os-release ]] && os_ids="$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")"
	[[ " $os_ids " == *" debian "* || " $os_ids " == *" ubuntu "* ]] && command -v apt-get >/dev/null && debian=1
	if [[ -n "$debian" && "$(id -u)" -eq 0 && "$install" == --install ]]; then
		step "installing Chromium with apt-get (for the browser tests)"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
		[[ -x /usr/bin/chromium ]] || die "apt-get installed the chromium package, but there is no /usr/bin/chromium"
		step "Chromium: installed"
	elif [[ -n "$debian" ]]; then
		die "the browser tests need Chromium. Install it with: sudo apt-get update && sudo apt-get install -y chromium"
	elif [[ "$(uname -s)" == Darwin ]]; then
		die "the browser tests need Chromium. Install it with: brew install --cask chromium"
	else
		die "the browser tests need Chromium: install it with your system's package manager, so that 'chromium' is on PATH"
	fi
}

case "${1:-}" in
go) check_go ;;
python) check_python ;;
npm) check_npm ;;
chromium) check_chromium "${2:-}" ;;
*) die "usage: scripts/preflight.sh go|python|npm|chromium [--install]" ;;
esac
