"""The class's life: prepare before the hub starts (with the banner), sweep
after it stops, reset for the next class."""

import json
import os
import shutil
import subprocess

import namespace

from accounts import class_accounts, kill_all_of
from files import makedirs
from gocache import install_go
from install import cache_lock, install_python, install_share, install_venv, kernel_spec, venv_key, venv_python_info
from limits import Cgroups
from secretfiles import ensure_secret, grouped, random_text
from settings import CODE_CHARS, PASSWORD_CHARS, ClassroomError
from tls import ensure_certificate, fingerprint, machine_addresses


def say(msg):
    try:
        print(msg, flush=True)
    except OSError:
        pass  # a closed terminal: the class still ends cleanly


def prepare(s):
    """Everything the hub needs before it starts; prints the class's
    banner."""
    if s.is_root:
        makedirs(s.dir, 0o711, (0, 0))
        makedirs(s.state, 0o700, (0, 0))
        makedirs(s.homes, 0o711, (0, 0))
        makedirs(s.cache, 0o755, (0, 0))
    else:
        makedirs(s.dir, 0o700)
        makedirs(s.state, 0o700)
        makedirs(s.homes, 0o700)
    code = ensure_secret(os.path.join(s.state, "workshop-code"), s.code_file, lambda: grouped(random_text(CODE_CHARS)), "workshop code")
    ensure_secret(os.path.join(s.state, "admin-password"), s.admin_password_file, lambda: grouped(random_text(PASSWORD_CHARS), 5), "host's password")

    python_env = {"python": os.path.join(s.root, ".venv", "bin", "python"), "venv": os.path.join(s.root, ".venv"), "ld_library_path": ""}
    if s.walls in ("on", "off"):
        say("==> installing what attendees run, read-only (share: " + s.share + ", cache: " + s.cache + ")")
        venv = os.path.join(s.root, ".venv")
        info = venv_python_info(venv)
        key = venv_key(venv, info)
        with cache_lock(s):
            python, ld = install_python(s, info, key)
            python_env = {"python": python, "venv": install_venv(s, venv, python, info, key, ld), "ld_library_path": ld}
            python_env["gocache_seed"] = install_go(s, lambda m: say("==> " + m))
        install_share(s)
    else:
        install_share(s)
    with open(os.path.join(s.state, "python.json"), "w") as f:
        json.dump(python_env, f)
    path = [os.path.join(python_env["venv"], "bin"), os.path.dirname(shutil.which("go") or "/usr/local/go/bin/go")]
    kernel_spec(s, path, {})

    scheme = "https" if s.tls else "http"
    urls = [f"{scheme}://{s.listen}:{s.port}/"]
    fp = ""
    if s.tls:
        cert, _ = ensure_certificate(s)
        fp = fingerprint(cert)
        with open(os.path.join(s.state, "tls-fingerprint"), "w") as f:
            f.write(fp + "\n")
        if s.listen in ("0.0.0.0", "::"):
            urls = [f"{scheme}://{a if ':' not in a else '[' + a + ']'}:{s.port}/" for a in machine_addresses()] or urls
    cg = Cgroups(s)
    lines = [""]
    lines += [f"    Open {u}" for u in urls]
    if fp:
        lines += ["    The certificate's SHA-256 fingerprint (attendees compare it with what their browser shows):", f"        {fp}"]
    lines += ["", "    Attendees sign up with a name of their own, a password of their own and the workshop code", "", f"        {code}", ""]
    lines += [f"    You log in as {s.admin!r} with the password in {os.path.join(s.state, 'admin-password')}",
              f"    ({'sudo ' if s.is_root else ''}cat it; never show it on the projector); the admin page is {urls[0]}hub/admin"]
    lines += ["", f"    At most {s.max_servers} servers run at once; a server idle for {s.idle_timeout // 60} minutes is stopped."]
    if s.walls == "on":
        lines += [f"    Each attendee runs as their own account ({s.prefix}<name>), walled off; limits: {cg.describe()}."]
    if s.walls in ("on", "off"):
        refused = namespace.available()
        lines += ["    Each attendee's /tmp is their own and they see only their own processes (a mount namespace each)." if not refused else
                  f"    This machine refuses a mount namespace per attendee ({refused}): their TMPDIR is private, /tmp and /proc are the machine's."]
    lines += ["    Ctrl+C (or closing this terminal) ends the class; `make classroom-reset` removes its accounts, homes and state.", ""]
    say("\n".join(lines))


def sweep(s):
    """After the hub: kills whatever of the class's accounts still runs and
    removes their cgroups."""
    left = 0
    for pw in class_accounts(s):
        left += kill_all_of(pw)
    Cgroups(s).remove()
    if left:
        say(f"warning: {left} processes of the class's accounts would not die")
        return 1
    return 0


def reset(s):
    """Removes the class: its accounts, their homes, the hub's state and the
    share (the machine-wide cache stays)."""
    accounts = class_accounts(s)
    for pw in accounts:
        kill_all_of(pw)
        r = subprocess.run(["userdel", pw.pw_name], capture_output=True, text=True)
        if r.returncode != 0 and "currently used" not in r.stderr:
            raise ClassroomError(f"userdel {pw.pw_name}: {r.stderr.strip()}")
    import room  # the room's group, which outlives its account while attendees are in it

    room.forget(accounts)
    Cgroups(s).remove()
    # rmtree never follows a link attendees planted (homes.hand_over checks
    # this Python's rmtree is the kind that does not).
    for d in (s.homes, s.gocaches, s.tmps, s.share, s.state, os.path.join(s.dir, "room")):
        shutil.rmtree(d, ignore_errors=True)
    if os.path.isdir(s.dir) and not os.listdir(s.dir):
        os.rmdir(s.dir)
    say(f"==> classroom reset: {len(accounts)} accounts removed ({', '.join(p.pw_name for p in accounts) or 'none'}), "
        f"homes and state in {s.dir} deleted")
    return 0


def check(s):
    """Only checks the settings (Settings did, and the class board's
    classboard.stuck_after): nothing is made."""
    import classboard

    classboard.stuck_after()
    return 0
