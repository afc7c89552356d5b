#!/usr/bin/env bash
# Ends a class for good, so that the next one starts from nothing (make
# classroom-reset): removes the system accounts the classroom created and
# their homes, the hub's database (every sign-up), its secrets (the cookie
# secret, the workshop code, the host's password, the class's certificate) and
# the share of what attendees ran. The machine-wide cache of Python and Go
# (CLASSROOM_CACHE) is kept. The class must be stopped first.
#
#   CLASSROOM_DIR   the class to remove (as make classroom: default
#                   /var/lib/workshop-classroom as root, .classroom/ otherwise)
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

[[ -x .venv/bin/python ]] || die "the workshop's .venv is missing: run 'make setup'"
export WORKSHOP_ROOT="$ROOT"
dir="$(.venv/bin/python -c 'import sys; sys.path.insert(0, "deploy/classroom"); import classroom; print(classroom.Settings().dir)')"
pidfile="$dir/state/jupyterhub.pid"
if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
	die "the class in $dir is still running (hub pid $(cat "$pidfile")): end it with Ctrl+C first"
fi
.venv/bin/python deploy/classroom/classroom.py reset
