"""The class's system accounts: made for the class, found by their mark,
and every process of one ended."""

import os
import pwd
import signal
import subprocess
import threading
import time

from files import makedirs
from settings import ClassroomError

_account_lock = threading.Lock()


def ensure_account(s, account, home):
    """Creates the class's system account (no password, no login but
    through the hub) and its private home, if missing; returns its pwd
    entry. An account of that name not created by this classroom is never
    used."""
    with _account_lock:
        try:
            pw = pwd.getpwnam(account)
        except KeyError:
            for attempt in range(5):
                r = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", home, "--shell", "/bin/bash",
                                    "--comment", s.mark, "--user-group", "--no-log-init", account], capture_output=True, text=True)
                if r.returncode == 0:
                    break
                if "lock" not in r.stderr or attempt == 4:
                    raise ClassroomError(f"useradd {account}: {r.stderr.strip()}")
                time.sleep(0.2 * (attempt + 1))
            with open(os.path.join(s.state, "accounts"), "a") as f:
                f.write(account + "\n")
            pw = pwd.getpwnam(account)
        if pw.pw_gecos != s.mark:
            raise ClassroomError(f"the account {account} exists and was not created by this classroom; it is not used")
        makedirs(home, 0o700, (pw.pw_uid, pw.pw_gid))
        return pw


def class_accounts(s):
    """The accounts this classroom created."""
    return [p for p in pwd.getpwall() if p.pw_gecos == s.mark]


def processes_of(uid):
    """The pids of the processes whose real user is uid."""
    pids = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(e))
                        break
        except (OSError, ValueError):
            pass
    return pids


def kill_all_of(pw, timeout=10.0):
    """Kills every process of an account: a process of that account sends
    SIGKILL to all the account's processes at once (kill(-1)), until none
    is left. Returns how many were left at the end (0 when it worked). The
    process is a fork that runs no program: the classroom's own Python may
    be one the account cannot run (a venv in the host's home)."""
    deadline = time.monotonic() + timeout
    while processes_of(pw.pw_uid):
        pid = os.fork()
        if pid == 0:  # the child: system calls only, then out
            try:
                os.setgid(pw.pw_gid)
                os.setgroups([])
                os.setuid(pw.pw_uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return len(processes_of(pw.pw_uid))
