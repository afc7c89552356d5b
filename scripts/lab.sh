#!/usr/bin/env bash
# Starts the workshop (make lab): installs what JupyterLab needs (make
# install-lab, scripts/setup.mk), starts the mock video server in the
# background (unless one already answers at $VIDEO_API_URL), then JupyterLab
# on notebooks/. Once JupyterLab is up, make later compiles the Go packages
# notebook cells import and builds gopls, in the background at low priority. When JupyterLab exits (Ctrl+C
# twice) the server this script started and that background work are stopped;
# a server it found running is left alone.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

make -j"${SETUP_JOBS:-8}" --no-print-directory -C "$ROOT" install-lab

# host:port of the server, from VIDEO_API_URL (e.g. http://127.0.0.1:8000).
addr="${VIDEO_API_URL#*://}"
addr="${addr%%/*}"
[[ "$addr" == *:* ]] || addr="$addr:80"
host="${addr%:*}"

# A server that answers /healthz is reused, whoever started it.
server_pid=""
later_pid=""
# stop_background ends what this script started; it stops first and reports
# after, so that a closed terminal cannot keep it from stopping anything.
# shellcheck disable=SC2329 # invoked by the EXIT trap below
stop_background() {
	if [[ -n "$later_pid" ]]; then
		kill -TERM -- "-$later_pid" 2>/dev/null || true
	fi
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		step "stopped the video server (pid $server_pid)" 2>/dev/null || true
	fi
}
trap stop_background EXIT
# Ctrl+C is how a workshop ends: stop quietly (exit 0), not as a failure of make.
trap 'exit 0' INT
trap 'exit 143' TERM

if .bin/workshop-server -healthcheck -addr "$addr" >/dev/null 2>&1; then
	step "video server already running at $VIDEO_API_URL: using it"
elif [[ "$host" != 127.0.0.1 && "$host" != localhost ]]; then
	die "no video server answers at $VIDEO_API_URL, and it is not on this machine, so it cannot be started here. Check the address, or unset VIDEO_API_URL to run one locally."
else
	mkdir -p .logs
	log_start=1 # to show only this run's lines
	[[ ! -f .logs/server.log ]] || log_start=$(($(wc -c <.logs/server.log) + 1))
	step "starting the video server at $VIDEO_API_URL (log: .logs/server.log)"
	# set -m gives the server its own process group, so the Ctrl+C meant for
	# JupyterLab (which first asks for confirmation) does not stop it; the
	# EXIT trap does, once JupyterLab has exited.
	set -m
	.bin/workshop-server -addr "$addr" >>.logs/server.log 2>&1 &
	server_pid=$!
	set +m
	# Wait up to 10 s for it to answer; stop early if it exits.
	for _ in $(seq 50); do
		if .bin/workshop-server -healthcheck -addr "$addr" >/dev/null 2>&1; then break; fi
		if ! kill -0 "$server_pid" 2>/dev/null; then
			server_pid=""
			tail -c +"$log_start" .logs/server.log | tail -n 5 >&2
			if tail -c +"$log_start" .logs/server.log | grep -q "address already in use"; then
				die "port ${addr##*:} is taken by a program that is not the video server. Stop it, or run the server on another port: make lab VIDEO_API_URL=http://127.0.0.1:8001"
			fi
			die "the video server exited at start (see .logs/server.log)"
		fi
		sleep 0.2
	done
	.bin/workshop-server -healthcheck -addr "$addr" >/dev/null 2>&1 ||
		die "the video server did not answer at $VIDEO_API_URL within 10 s (see .logs/server.log)"
fi

# JupyterLab moves to the next free port by itself when this one is taken.
port="${JUPYTER_PORT:-8888}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	step "port $port is in use (another JupyterLab?): JupyterLab will pick the next free port; use the URL it prints"
fi

# In the background, once JupyterLab is up (it has written its server file in
# Jupyter's runtime folder): make later, at low priority, in its own
# process group so that the Ctrl+C meant for JupyterLab does not reach it.
mkdir -p .logs
lab_start=.logs/lab-start
touch "$lab_start"
set -m
(
	runtime="$(jupyter --runtime-dir)"
	for _ in $(seq 300); do
		[[ -z "$(find "$runtime" -name 'jpserver-*.json' -newer "$lab_start" 2>/dev/null)" ]] || break
		sleep 1
	done
	exec nice -n 10 make --no-print-directory -C "$ROOT" later
) </dev/null >.logs/setup-later.log 2>&1 &
later_pid=$!
set +m
if [[ -x .bin/gopls ]]; then
	step "once JupyterLab is up, the Go packages the notebooks import are compiled in the background, so first cells build fast (log: .logs/setup-later.log)"
else
	step "once JupyterLab is up, the Go packages the notebooks import are compiled in the background (so first cells build fast), then gopls, which gives cells completion and hover help (a few minutes; log: .logs/setup-later.log). A notebook opened before gopls is ready gets it after Kernel > Restart Kernel."
fi

step "starting JupyterLab on notebooks/ - open the http://127.0.0.1:...?token=... URL printed below; Ctrl+C twice stops it"
args=(--config="$ROOT/scripts/lab_config.py" --ServerApp.root_dir="$ROOT/notebooks" --ServerApp.ip=127.0.0.1 --ServerApp.port="$port")
[[ "$(id -u)" -ne 0 ]] || args+=(--allow-root) # e.g. inside a container
status=0
jupyter lab "${args[@]}" || status=$?
exit "$status"
