"""An attendee's own view of the machine's files, where Linux allows it: a
mount namespace of their server's own (made as root, just before the server's
process drops to their account), in which

* /tmp is their private temporary folder (what the machine's /tmp holds,
  world-readable files of the host or of other attendees included, is out
  of sight), and
* /proc is a new instance mounted with hidepid=invisible: they see their own
  processes only, never another account's command line or status;
* /dev/shm is a small tmpfs of their own (SHM_SIZE), where the machine has
  one (what others leave in the machine's shared memory is out of sight).

/var/tmp stays the machine's: the class's own folder may live there (the
tests put CLASSROOM_DIR in it), and a private one would hide it.

Every process of the attendee's server (kernels, builds, terminals, the mock
server) inherits the namespace. Where the machine refuses (no CAP_SYS_ADMIN,
another kernel), available() says why and the classroom says so in its
banner; TMPDIR still points at the private folder.
"""

import ctypes
import ctypes.util
import os
import subprocess
import sys

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x2, 0x4, 0x8
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000

# The size of an attendee's own /dev/shm: shared memory is for small,
# short-lived things (Python's multiprocessing locks); the pages count
# against their memory limit.
SHM_SIZE = "64m"

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data):
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def enter(tmp):
    """In the calling process (as root, before it drops to the attendee):
    a mount namespace of its own, with tmp bound on /tmp, a /proc that
    shows the attendee's processes only and a /dev/shm of its own. Raises OSError if the machine
    refuses; nothing outside the process changes."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare")
    # Nothing mounted here reaches the machine's namespace.
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    _mount(tmp, "/tmp", None, MS_BIND, None)
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")
    except OSError:  # kernels before 5.8 know the number only
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={SHM_SIZE}")


def available():
    """Reports whether enter works on this machine: "" if it does, else why
    not (tried in a child process, which changes nothing)."""
    if os.geteuid() != 0:
        return "not root"
    probe = ("import sys, os; sys.path.insert(0, %r); import namespace; namespace.enter(%r)") % (os.path.dirname(os.path.abspath(__file__)), "/tmp")
    r = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True)
    return "" if r.returncode == 0 else (r.stderr.strip().splitlines() or ["failed"])[-1]
