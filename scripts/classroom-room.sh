#!/usr/bin/env bash
# The room moment (make classroom-room MODE=...): switches where the kernels
# of a running class's attendees start, each attendee's own mock server (off,
# the default) or the one server the room shares (on), and resets the room's
# server's counters (reset). Attendees restart their kernel to switch; no cell
# changes. Without MODE it says which mode the class is in.
# deploy/classroom/room.py and docs/classroom.md ("The room moment") say more.
#
#   MODE            on, off, reset, or empty for the state
#   CLASSROOM_DIR   the running class (as make classroom: default
#                   /var/lib/workshop-classroom as root, .classroom/ otherwise)
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

[[ -x .venv/bin/python ]] || die "the workshop's .venv is missing: run 'make setup'"
export WORKSHOP_ROOT="$ROOT"
exec .venv/bin/python deploy/classroom/room.py ${1:+"$1"}
