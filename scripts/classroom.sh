#!/usr/bin/env bash
# Starts a class on this machine: a real JupyterHub where each attendee signs
# up with a name and a password of their own and the workshop code, and gets
# their own JupyterLab, notebooks and mock video server. As root (a class VM)
# every attendee is a system account of their own, walled off from the others
# and from the host; as a normal user it is a trial on loopback, where every
# attendee runs as you. Ctrl+C, or closing the terminal, ends the class.
# Run `make setup` first (make classroom does). docs/classroom.md says more.
#
#   CLASSROOM_PORT        the hub's port (default 8010; never the mock server's 8000)
#   CLASSROOM_LISTEN      the address it serves (default 127.0.0.1; 0.0.0.0 for the
#                         room's network, then over TLS only)
#   CLASSROOM_TLS_CERT, CLASSROOM_TLS_KEY
#                         your certificate and key (default on the network: one made
#                         for the class, its fingerprint printed with the URL)
#   CLASSROOM_DIR         state, homes and what attendees run (default
#                         /var/lib/workshop-classroom as root, .classroom/ otherwise);
#                         `make classroom-reset` starts the next class from nothing
#   CLASSROOM_CODE_FILE, CLASSROOM_ADMIN_PASSWORD_FILE
#                         files holding the workshop code and your password
#                         (default: made for the class, from the OS's random source)
#   CLASSROOM_MAX_SERVERS, CLASSROOM_IDLE_TIMEOUT, CLASSROOM_CPU_LIMIT,
#   CLASSROOM_MEMORY_LIMIT, CLASSROOM_PIDS_LIMIT, CLASSROOM_WALLS, ...
#                         see deploy/classroom/settings.py
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

port="${CLASSROOM_PORT:-8010}"
listen="${CLASSROOM_LISTEN:-127.0.0.1}"

# The first lines say who attendees run as.
if ((EUID == 0)); then
	if [[ "${CLASSROOM_WALLS:-on}" == off ]]; then
		step "CLASSROOM_WALLS=off: attendees share one account made for the class: walled off from you, not from each other"
	else
		step "running as root: every attendee gets a system account of their own (${CLASSROOM_ACCOUNT_PREFIX:-wsa-}<name>), walled off from the others and from you"
	fi
else
	step "a trial: you are not root, so every attendee's server runs as you ($(id -un)); attendees are NOT walled off from each other or from your files; loopback only"
	step "for a class of strangers, run it as root on a machine of its own: sudo make classroom"
fi

[[ -x .venv/bin/jupyterhub && -x deploy/classroom/node_modules/.bin/configurable-http-proxy && -x .bin/gonb ]] ||
	die "the classroom is not installed yet: run 'make setup' (or 'make classroom')"
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
	die "CLASSROOM_PORT=$port is not a port number"
fi
((port != 8000)) || die "CLASSROOM_PORT=8000 is the mock server's port; choose another (e.g. 8010)"
probe="$listen"
[[ "$probe" == 0.0.0.0 || "$probe" == :: ]] && probe=127.0.0.1
if (exec 3<>"/dev/tcp/$probe/$port") 2>/dev/null; then
	die "port $port is in use; choose another: make classroom CLASSROOM_PORT=8020"
fi

export WORKSHOP_ROOT="$ROOT" CLASSROOM_PORT="$port" CLASSROOM_LISTEN="$listen"
classroom_py() { .venv/bin/python "$ROOT/deploy/classroom/classroom.py" "$@"; }
# Bad settings stop here, before anything is built or made.
classroom_py check

step "building the video server, the kernel launcher and the class board"
go build -o .bin/workshop-server ./server
go build -o .bin/workshop-kernel ./deploy/jupyter/cmd/workshop-kernel
go build -o .bin/workshop-board ./deploy/board/cmd/workshop-board

# Settings are checked (and the class's secrets, certificate and read-only
# install made) before anything listens; the banner comes from here.
classroom_py prepare

# Ctrl+C, SIGTERM or a closed terminal (SIGHUP) ends the class the same way:
# JupyterHub stops every attendee's server, then whatever is left of their
# accounts is killed. The hub runs in the background, in its own session (so
# that a closed terminal's SIGHUP reaches this script only), and this script
# passes it the signal that ends the class.
hub=""
stop_hub() {
	[[ -n "$hub" ]] && kill -TERM "$hub" 2>/dev/null || true
}
trap stop_hub INT TERM HUP
hub_cmd=("$ROOT/.venv/bin/jupyterhub" -f "$ROOT/deploy/classroom/jupyterhub_config.py")
if command -v setsid >/dev/null; then
	setsid "${hub_cmd[@]}" </dev/null &
else # macOS: the hub ignores the terminal's SIGHUP instead (Ctrl+C reaches it too)
	(
		trap '' HUP
		exec "${hub_cmd[@]}" </dev/null
	) &
fi
hub=$!
status=0
while kill -0 "$hub" 2>/dev/null; do
	wait "$hub" && status=0 || status=$?
done
# Nothing of an attendee outlives the class.
classroom_py sweep || status=1
((status == 0 || status == 130 || status == 143)) || exit "$status"
step "classroom stopped" 2>/dev/null || true
