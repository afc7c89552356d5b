# shellcheck shell=bash
# Shared environment for the workshop scripts. Source it; do not run it.
#
# Everything the workshop installs lives inside the repository, so the user's
# own Python, Jupyter and Go setups are never touched:
#   .venv/     Python virtual environment with the pinned JupyterLab
#   .bin/      pinned Go tools (gonb, goimports, gopls) and the server binary
#   .jupyter/  JUPYTER_DATA_DIR (the GoNB kernel) and, under config/, JUPYTER_CONFIG_DIR

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

export PATH="$ROOT/.venv/bin:$ROOT/.bin:$PATH"
export JUPYTER_DATA_DIR="$ROOT/.jupyter"
export JUPYTER_CONFIG_DIR="$ROOT/.jupyter/config"
export VIDEO_API_URL="${VIDEO_API_URL:-http://127.0.0.1:8000}"
VIDEO_API_URL="${VIDEO_API_URL%/}"

# step prints one progress line; die prints an error and stops.
step() { printf '==> %s\n' "$*"; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# fingerprint prints a checksum of the given files' contents plus any extra
# words, used to tell whether a cached step is still up to date.
fingerprint() {
	local words="$1"
	shift
	{ cat "$@"; printf '%s\n' "$words"; } | cksum | tr -d ' '
}
