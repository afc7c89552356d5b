"""Per-attendee limits: cgroups (v2 or v1, as the machine has them) and
rlimits."""

import os
import pwd
import resource

import namespace

CGROUP_ROOT = "/sys/fs/cgroup"
V1_CONTROLLERS = ("cpu", "memory", "pids")
# An attendee's cgroup folder: root's, readable by the attendee's own group
# (Go reads its CPU limit there), by no other attendee.
CGROUP_FOLDER_MODE = 0o750


class Cgroups:
    """Per-attendee CPU, memory and process limits in cgroups: v2 (one
    hierarchy, e.g. under systemd) or v1 (one hierarchy per controller), as
    the machine has them; none else (then only the process count is limited,
    by RLIMIT_NPROC)."""

    def __init__(self, s, root=CGROUP_ROOT):
        self.s = s
        self.root = root
        self.name = "workshop-classroom-" + s.class_id
        if os.path.exists(os.path.join(root, "cgroup.controllers")):
            have = open(os.path.join(root, "cgroup.controllers")).read().split()
            self.version = 2 if all(c in have for c in V1_CONTROLLERS) and os.access(root, os.W_OK) else 0
        elif all(os.access(os.path.join(root, c), os.W_OK) for c in V1_CONTROLLERS):
            self.version = 1
        else:
            self.version = 0

    def describe(self):
        lim = (f"an equal share of the CPUs and at most {self.s.cpu:g}, {self.s.memory >> 20} MiB of memory, {self.s.pids} processes, "
               f"files of at most {self.s.file_limit >> 20} MiB")
        if self.version == 2:
            return f"cgroup v2: {lim} per attendee"
        if self.version == 1:
            return f"cgroup v1: {lim} per attendee"
        return (f"no writable cgroups here: only {self.s.pids} processes and files of at most {self.s.file_limit >> 20} MiB per attendee "
                "(RLIMIT_NPROC, RLIMIT_FSIZE); no CPU or memory limit")

    def _private(self, folder, account):
        """Makes an attendee's cgroup folder root's and their group's, 0750:
        other attendees cannot list it or read its files (its processes,
        their memory use)."""
        os.chown(folder, 0, pwd.getpwnam(account).pw_gid)
        os.chmod(folder, CGROUP_FOLDER_MODE)

    def _write(self, folder, name, value):
        with open(os.path.join(folder, name), "w") as f:
            f.write(str(value))

    def create(self, account):
        """Creates the account's cgroups with their limits; returns the
        cgroup.procs files a process joins them by. Besides the cap, the
        group's CPU weight is that of as many busy processes as its CPU
        limit: left at one process's, an attendee's parallel compile would
        get one process's share against every process outside the class's
        groups (other work on the machine, or the class with walls off)."""
        quota = int(self.s.cpu * 100000)
        # The class as a whole weighs what its processes would without
        # groups, once every server runs busy: as many processes as the CPU
        # limit, per server. Within it, attendees share alike.
        class_busy = self.s.cpu * self.s.max_servers
        if self.version == 2:
            parent = os.path.join(self.root, self.name)
            os.makedirs(parent, exist_ok=True)
            for d in (self.root, parent):
                try:
                    self._write(d, "cgroup.subtree_control", "+cpu +memory +pids")
                except OSError:
                    pass
            self._write(parent, "cpu.weight", max(1, min(10000, int(100 * class_busy))))
            d = os.path.join(parent, account)
            os.makedirs(d, exist_ok=True)
            self._private(d, account)
            self._write(d, "cpu.max", f"{quota} 100000")
            self._write(d, "cpu.weight", max(1, min(10000, int(100 * self.s.cpu))))
            self._write(d, "memory.max", self.s.memory)
            if os.path.exists(os.path.join(d, "memory.swap.max")):
                self._write(d, "memory.swap.max", 0)
            self._write(d, "pids.max", self.s.pids)
            return [os.path.join(d, "cgroup.procs")]
        if self.version == 1:
            procs = []
            for c in V1_CONTROLLERS:
                d = os.path.join(self.root, c, self.name, account)
                os.makedirs(d, exist_ok=True)
                self._private(d, account)
                if c == "cpu":
                    self._write(os.path.dirname(d), "cpu.shares", max(2, min(262144, int(1024 * class_busy))))
                    self._write(d, "cpu.cfs_period_us", 100000)
                    self._write(d, "cpu.cfs_quota_us", quota)
                    self._write(d, "cpu.shares", max(2, int(1024 * self.s.cpu)))
                elif c == "memory":
                    self._write(d, "memory.limit_in_bytes", self.s.memory)
                    if os.path.exists(os.path.join(d, "memory.memsw.limit_in_bytes")):
                        self._write(d, "memory.memsw.limit_in_bytes", self.s.memory)
                else:
                    self._write(d, "pids.max", self.s.pids)
                procs.append(os.path.join(d, "cgroup.procs"))
            return procs
        return []

    def folders(self, account=None):
        if self.version == 2:
            base = [os.path.join(self.root, self.name)]
        elif self.version == 1:
            base = [os.path.join(self.root, c, self.name) for c in V1_CONTROLLERS]
        else:
            return []
        return [os.path.join(b, account) for b in base] if account else base

    def remove(self, account=None):
        """Removes the account's cgroups (all of the class's when account is
        None) once they are empty."""
        for d in self.folders(account):
            if not os.path.isdir(d):
                continue
            for sub in sorted((os.path.join(d, n) for n in os.listdir(d) if os.path.isdir(os.path.join(d, n))), reverse=True):
                try:
                    os.rmdir(sub)
                except OSError:
                    pass
            try:
                os.rmdir(d)
            except OSError:
                pass


def preexec_for(procs, rlimits, private_tmp, then):
    """A Popen preexec_fn, run as root in the server's new process: joins the
    cgroups, sets the rlimits ({resource: value}), enters a mount namespace
    of its own with private_tmp on /tmp (if given; namespace.enter), then
    calls then (which drops to the attendee's account)."""
    def preexec():
        for p in procs:
            with open(p, "w") as f:
                f.write(str(os.getpid()))
        for res, value in rlimits.items():
            resource.setrlimit(res, (value, value))
        if private_tmp:
            namespace.enter(private_tmp)
        then()
    return preexec
