#!/usr/bin/env bash
# Installs the GoNB kernel into .jupyter (JUPYTER_DATA_DIR), for the gonb in
# .bin; make runs it again whenever gonb was rebuilt or the repository moved
# (gonb writes absolute paths into kernel.json).
#
# --force_deps: gopls may still be building (make lab builds it in the
# background). The kernel needs jupyter, goimports and gopls on its PATH;
# kernel.json's "env" prepends .bin and .venv/bin to whatever PATH Jupyter
# has (Jupyter expands ${PATH}), so the kernel finds them however JupyterLab
# or the notebook tests started.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

spec=.jupyter/kernels/gonb/kernel.json
.bin/gonb -install --force_deps -logtostderr || die "gonb -install failed (see above)"
.venv/bin/python - "$spec" "$ROOT" <<'PY'
import json, sys
path, root = sys.argv[1], sys.argv[2]
with open(path) as f:
    spec = json.load(f)
spec.setdefault("env", {})["PATH"] = f"{root}/.bin:{root}/.venv/bin:${{PATH}}"
with open(path, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
PY
