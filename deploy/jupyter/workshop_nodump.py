"""Makes the Jupyter server that loads it non-dumpable (Linux's
prctl(PR_SET_DUMPABLE, 0)): no process of its own account may then attach
to it (ptrace, gdb), open its /proc/PID/mem or list its /proc/PID/fd; only
root may. In the one-machine classroom this keeps an attendee from taking
their own server's listening socket from under the hub (closing it in the
server, then serving pages of their own on its port). An exec resets the
flag, so the server's kernels and terminals are dumpable again."""

import ctypes
import os
import sys

PR_SET_DUMPABLE = 4  # linux/prctl.h


def configure():
    """Makes this process non-dumpable, on Linux; elsewhere does nothing.
    A refusal is an error: the server must not start without it."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "prctl(PR_SET_DUMPABLE, 0): " + os.strerror(err))
