#!/usr/bin/env bash
# Finds the Zero to JupyterHub chart that the render test (deploy/jupyterhub)
# renders the hub's config against, and pulls the pinned release when no
# copy is at hand (make setup runs it once .bin/helm is built). What else a
# class needs (JupyterHub and jupyter-server-proxy from
# deploy/requirements.txt, configurable-http-proxy from
# deploy/classroom/package-lock.json, helm) is installed by make's rules in
# scripts/setup.mk.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# The chart release `helm pull` fetches when no copy of the chart is at hand,
# and where from.
Z2JH_CHART_VERSION=4.3.3
Z2JH_CHART_REPO=https://hub.jupyter.org/helm-chart/

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
