#!/usr/bin/env bash
# Starts a class on this machine: a real JupyterHub on 127.0.0.1 where each
# attendee logs in with a name of their choice and the shared workshop
# password, and gets their own JupyterLab, their own copy of the notebooks and
# their own mock video server (deploy/classroom/jupyterhub_config.py).
# Ctrl+C stops the hub, every attendee's server and every mock server.
# Run `make setup` first (make classroom does).
#
#   CLASSROOM_PORT       the hub's port (default 8010; never the mock server's 8000)
#   CLASSROOM_PASSWORD   the shared password (default: a new random one, printed)
#   CLASSROOM_DIR        where the hub keeps its state and the attendees' homes
#                        (default .classroom/; kept between runs, so attendees
#                        find their notebooks again)
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

port="${CLASSROOM_PORT:-8010}"
dir="${CLASSROOM_DIR:-$ROOT/.classroom}"
password="${CLASSROOM_PASSWORD:-}"

[[ -x .venv/bin/jupyterhub && -x deploy/classroom/node_modules/.bin/configurable-http-proxy && -x .bin/gonb ]] ||
	die "the classroom is not installed yet: run 'make setup' (or 'make classroom')"
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
	die "CLASSROOM_PORT=$port is not a port number"
fi
((port != 8000)) || die "CLASSROOM_PORT=8000 is the mock server's port; choose another (e.g. 8010)"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	die "port $port is in use; choose another: make classroom CLASSROOM_PORT=8020"
fi
if [[ -z "$password" ]]; then
	# Three short words are easy to read out to a room.
	words=(amber basil cedar delta ember fjord glade harbor indigo juniper kestrel lagoon maple nectar orbit pebble quartz raven saffron tundra umber violet willow yarrow zephyr)
	password="$(for _ in 1 2 3; do echo -n "${words[RANDOM % ${#words[@]}]}-"; done)$((RANDOM % 90 + 10))"
fi
((${#password} >= 8)) || die "CLASSROOM_PASSWORD must have at least 8 characters"

step "building the video server"
go build -o .bin/workshop-server ./server

mkdir -p "$dir/homes"
url="http://127.0.0.1:$port/"
step "starting the classroom hub at $url (state and attendees' homes: $dir)"
cat <<EOF

    Open $url
    Log in with any name (lowercase letters, digits, - _ .) and the password

        $password

    Each name gets its own JupyterLab, notebooks and mock video server.
    Ctrl+C stops the hub and everything it started.

EOF

export WORKSHOP_ROOT="$ROOT" CLASSROOM_DIR="$dir" CLASSROOM_PORT="$port" CLASSROOM_PASSWORD="$password"
# Ctrl+C is how a class ends: JupyterHub stops every attendee's server, then
# this script exits quietly. The hub runs in the background so that this
# script can pass it the signal that stops the class however it comes (Ctrl+C
# in a terminal, or SIGTERM from a supervisor).
cd "$dir"
jupyterhub -f "$ROOT/deploy/classroom/jupyterhub_config.py" &
hub=$!
trap 'kill -INT "$hub" 2>/dev/null || true' INT
trap 'kill -TERM "$hub" 2>/dev/null || true' TERM
status=0
while kill -0 "$hub" 2>/dev/null; do
	wait "$hub" && status=0 || status=$?
done
((status == 0 || status == 130 || status == 143)) || exit "$status"
step "classroom stopped"
