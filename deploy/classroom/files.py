"""Files and folders the classroom makes as root: modes, owners, a
read-only install, a copy replaced whole."""

import os
import shutil
import stat


def makedirs(path, mode, owner=None):
    """Creates path if missing and sets its mode (and owner: uid, gid)."""
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)
    if owner is not None:
        os.chown(path, *owner)


def reachable(path):
    """Reports whether a user other than the owner can reach path: every
    folder on the way searchable by others, the file readable by them."""
    path = os.path.realpath(path)
    try:
        if not os.stat(path).st_mode & stat.S_IROTH:
            return False
        d = os.path.dirname(path)
        while True:
            if not os.stat(d).st_mode & stat.S_IXOTH:
                return False
            if d == "/":
                return True
            d = os.path.dirname(d)
    except OSError:
        return False


def seal(top):
    """Takes write permission on everything under top from all but its owner
    (root), and gives read (and search) permission to all."""
    for folder, dirs, files in os.walk(top):
        os.chmod(folder, (os.stat(folder).st_mode & 0o7755) | 0o555)
        for n in files:
            p = os.path.join(folder, n)
            if not os.path.islink(p):
                m = os.stat(p).st_mode
                os.chmod(p, (m & 0o7755) | 0o444 | (0o111 if m & 0o100 else 0))


def copy_fresh(src, dst, ignore=None):
    """Copies src to dst through dst.partial, replacing dst whole."""
    tmp = dst + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, symlinks=True, ignore=ignore)
    old = dst + ".old"
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(dst):
        os.rename(dst, old)
    os.rename(tmp, dst)
    shutil.rmtree(old, ignore_errors=True)
