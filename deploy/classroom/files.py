"""Files and folders the classroom makes as root: modes, owners, a
read-only install, a copy replaced whole."""

import os
import shutil
import stat

from settings import ClassroomError


def makedirs(path, mode, owner=None):
    """Creates path if missing and sets its mode (and owner: uid, gid). The
    classroom calls it as root only on folders whose parent no attendee can
    write (its own folders, a home inside homes/); even so, path itself is
    never followed if it is a symbolic link: the mode and owner are set
    through the folder opened without following one."""
    os.makedirs(path, exist_ok=True)
    fd = open_folder(path)
    try:
        os.fchmod(fd, mode)
        if owner is not None:
            os.fchown(fd, *owner)
    finally:
        os.close(fd)


def open_folder(path, dir_fd=None):
    """Opens a folder, refusing a symbolic link in its place."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as e:
        raise ClassroomError(f"{path} is not a folder of its own (a symbolic link?): {e.strerror}") from None
    return fd


def root_folder(path):
    """Checks that only root can change what path names: root owns it and
    every folder above it, and no one else may write them. The classroom
    creates and changes files as root only in such folders."""
    d = os.path.abspath(path)
    while True:
        st = os.lstat(d)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or (st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX):
            raise ClassroomError(f"{d} is not a folder only root can change: the classroom writes nothing under it as root")
        if d == "/":
            return
        d = os.path.dirname(d)


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
