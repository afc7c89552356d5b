#!/usr/bin/env bash
# Installs the GoNB kernel into .jupyter (JUPYTER_DATA_DIR), for the gonb in
# .bin, with scripts/gonb_kernel.py: the same install as the image's, with the
# environment every cell is built with (docs/setup.md, "How cells run"). make
# runs it again whenever gonb was rebuilt, the repository moved (gonb writes
# absolute paths into kernel.json) or gonb_kernel.py changed.
#
# --force-deps: gopls may still be building (make lab builds it in the
# background). The kernel needs jupyter, goimports and gopls on its PATH:
# .bin and .venv/bin go before whatever PATH Jupyter has (Jupyter expands
# ${PATH}), so the kernel finds them however JupyterLab or the notebook tests
# started.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

.venv/bin/python scripts/gonb_kernel.py .bin/gonb .jupyter --force-deps --path-prefix "$ROOT/.bin:$ROOT/.venv/bin" ||
	die "installing the GoNB kernel failed (see above)"
