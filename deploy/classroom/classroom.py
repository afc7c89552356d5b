"""The one-machine classroom: its settings, its walls, its door's secrets.

`make classroom` (scripts/classroom.sh) runs `classroom.py prepare` before it
starts the hub, and `classroom.py sweep` after the hub has stopped; `make
classroom-reset` runs `classroom.py reset`. The hub's configuration
(jupyterhub_config.py beside this file) imports it for the same settings and
for the spawner's work: accounts, homes, caches and limits.

Three ways a class runs (CLASSROOM_WALLS):

* "on", the default as root (a class VM, CI): every attendee is a system
  account created for the class (CLASSROOM_ACCOUNT_PREFIX + name), with a
  private home; their Jupyter server, kernels, builds and mock server run as
  that account, in cgroups with CPU, memory and process limits where the
  machine has them. What they run comes from a root-owned, read-only install
  (the share, and the machine-wide cache for Python and Go);
* "off", as root: attendees share one account created for the class: they
  are walled off from the host, not from each other (the benchmark's
  control, and a cheap trial);
* "trial", the only way as a normal user: every attendee's server runs as
  you, from the repository itself, as a trial on loopback.

Layout of CLASSROOM_DIR (default /var/lib/workshop-classroom as root):

    state/   0700 root: the hub's database, cookie secret, the workshop code,
             the host's password, the TLS key, logs, the accounts created
    share/   0755 root: what attendees run that changes with the repository:
             the workshop's source, the mock server, the kernel's launcher,
             the kernel spec, the Jupyter server's configuration
    homes/   0711 root: one 0700 home per attendee
    gocache/ 0711 root: one 0700 Go build cache per attendee (seeded from
             the machine's; outside the home, so root never writes there)
    tmp/     0711 root: one 0700 temporary folder per attendee, their /tmp

and of CLASSROOM_CACHE (default /var/cache/workshop-classroom), shared by the
classes of the machine: python-KEY/ (a copy of the interpreter when attendees
cannot reach the repository's own), venv-KEY/ (the repository's .venv,
copied), go/mod (the Go modules the workshop needs) and go/cache (the Go
build cache of everything a notebook's cells import, but the workshop's own
packages), each read-only to attendees.

The work is in the modules beside this one, each named for what it provides:
settings, files, secretfiles, tls, install (the interpreter, the venv and the
share), gocache, homes, namespace, accounts, limits and lifecycle (the
commands). This
module gathers their names for the hub's configuration and is the command:

    python classroom.py check|prepare|sweep|reset
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# The names the hub's configuration and the commands use.
from accounts import class_accounts, ensure_account, kill_all_of, processes_of  # noqa: E402
from files import copy_fresh, makedirs, reachable, seal  # noqa: E402
from gocache import attendee_go_env, go_env, install_go  # noqa: E402
from homes import attendee_defaults, seed_go_cache  # noqa: E402
from install import install_share, kernel_spec  # noqa: E402
from lifecycle import check, prepare, reset, say, sweep  # noqa: E402
from limits import Cgroups, preexec_for  # noqa: E402
from secretfiles import ensure_secret, normalize_code, random_text, read_secret, write_secret  # noqa: E402
from settings import NAME_PATTERN, ClassroomError, Settings  # noqa: E402
from tls import ensure_certificate, fingerprint  # noqa: E402
__all__ = [
    "Cgroups",
    "ClassroomError",
    "NAME_PATTERN",
    "Settings",
    "attendee_defaults",
    "attendee_go_env",
    "check",
    "class_accounts",
    "copy_fresh",
    "ensure_account",
    "ensure_certificate",
    "ensure_secret",
    "fingerprint",
    "go_env",
    "install_go",
    "install_share",
    "kernel_spec",
    "kill_all_of",
    "main",
    "makedirs",
    "normalize_code",
    "preexec_for",
    "prepare",
    "processes_of",
    "random_text",
    "reachable",
    "read_secret",
    "reset",
    "say",
    "seal",
    "seed_go_cache",
    "sweep",
    "write_secret",
]


def main(argv):
    cmds = {"check": check, "prepare": prepare, "sweep": sweep, "reset": reset}
    if len(argv) != 2 or argv[1] not in cmds:
        print("usage: classroom.py check|prepare|sweep|reset", file=sys.stderr)
        return 2
    try:
        s = Settings()
        return cmds[argv[1]](s) or 0
    except ClassroomError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
