"""What is an attendee's own: their Go build cache (seeded from the shared
one), their private temporary folder, and their tools' settings in their
home.

The rule that keeps root safe from attendees: root never creates, changes
or follows a path inside a folder an attendee can write (their home, their
cache, their temporary folder), where any name may be a symbolic link they
planted. Root makes an attendee's own folders in folders only root can
change (files.root_folder), through descriptors that never follow a link;
what goes inside an attendee's home is written by a process running as the
attendee (attendee_defaults, called after the server's process dropped to
their account).
"""

import os
import shutil
import stat
import subprocess

from files import open_folder, root_folder
from settings import ClassroomError

# Files of a Go build cache that belong to the cache they were made in.
CACHE_OWN_FILES = ("trim.txt", "README", "testexpire.txt")


def private_folder(parent, name, owner):
    """Creates parent/name, owned by owner (uid, gid), mode 0700, if missing,
    and returns its path. parent must be a folder only root changes, so
    that parent/name is what root made (never a link an attendee put
    there)."""
    root_folder(parent)
    pfd = open_folder(parent)
    try:
        try:
            os.mkdir(name, 0o700, dir_fd=pfd)
        except FileExistsError:
            pass
        fd = open_folder(name, dir_fd=pfd)
        try:
            os.fchown(fd, *owner)
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    finally:
        os.close(pfd)
    return os.path.join(parent, name)


def seed_go_cache(seed, dst, owner):
    """Gives an attendee their own Go build cache at dst, holding the shared
    one's entries as hard links: they read them, cannot change them
    (root-owned, read-only), and write their own entries beside them. dst's
    folder must be one only root changes: the cache is assembled there as
    root, then handed to the attendee through descriptors that never follow
    a link (they may change it while it is handed over)."""
    parent = os.path.dirname(dst)
    root_folder(parent)
    if os.path.lexists(dst):
        return
    tmp = dst + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    linked = subprocess.run(["cp", "-al", seed, tmp], capture_output=True).returncode == 0
    if not linked:  # another file system: a copy of their own
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(seed, tmp)
    for n in CACHE_OWN_FILES:
        p = os.path.join(tmp, n)
        if os.path.lexists(p):
            os.remove(p)
    hand_over(tmp, owner, files=not linked)
    os.rename(tmp, dst)


def hand_over(top, owner, files):
    """Gives the folders under top (and their files, if files) to owner,
    folders mode 0700. os.fwalk opens each folder without following a link
    and the owner is set on the open folder, so an attendee who owns part of
    the tree already cannot redirect the rest."""
    if not shutil.rmtree.avoids_symlink_attacks:
        raise ClassroomError("this system's Python cannot walk a folder without following links")
    for _, _, names, fd in os.fwalk(top, follow_symlinks=False):
        os.fchown(fd, *owner)
        os.fchmod(fd, 0o700)
        if files:
            for n in names:
                st = os.stat(n, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    os.chown(n, *owner, dir_fd=fd, follow_symlinks=False)


def attendee_defaults(home):
    """Settings an attendee's tools find in their home: Go's telemetry off
    (gopls then starts no upload process of its own). Run as the attendee
    (never as root): whatever they planted in their home, it can change no
    more than they could themselves. A home they broke is theirs: nothing
    here stops their server from starting."""
    folder = os.path.join(home, ".config", "go", "telemetry")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        mode = os.path.join(folder, "mode")
        if not os.path.lexists(mode):
            with open(mode, "w") as f:
                f.write("off\n")
    except OSError:
        pass
