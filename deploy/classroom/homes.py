"""What an attendee finds in their home: their own Go build cache, seeded
from the shared one, and their tools' settings."""

import os
import shutil
import subprocess

from files import makedirs


def seed_go_cache(seed, dst, owner):
    """Gives an attendee their own Go build cache, holding the shared one's
    entries as hard links: they read them, cannot change them (root-owned,
    read-only), and write their own entries beside them."""
    if os.path.exists(dst):
        return
    tmp = dst + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    linked = subprocess.run(["cp", "-al", seed, tmp], capture_output=True).returncode == 0
    if not linked:  # another file system: a copy of their own
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(seed, tmp)
    for n in ("trim.txt", "README", "testexpire.txt"):
        p = os.path.join(tmp, n)
        if os.path.lexists(p):
            os.remove(p)
    for folder, _, files in os.walk(tmp):
        os.chown(folder, *owner)
        os.chmod(folder, 0o700)
        if not linked:
            for n in files:
                os.chown(os.path.join(folder, n), *owner)
    os.rename(tmp, dst)


def attendee_defaults(home, owner):
    """Settings an attendee's tools find in their home: Go's telemetry off
    (gopls then starts no upload process of its own)."""
    folder = home
    for part in (".config", "go", "telemetry"):
        folder = os.path.join(folder, part)
        if not os.path.isdir(folder):
            makedirs(folder, 0o700, owner)
    mode = os.path.join(folder, "mode")
    if not os.path.exists(mode):
        with open(mode, "w") as f:
            f.write("off\n")
        if owner:
            os.chown(mode, *owner)
