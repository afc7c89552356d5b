"""The classroom's settings: the environment scripts/classroom.sh exports
(CLASSROOM_*, WORKSHOP_ROOT), checked, with their limits and defaults."""

import hashlib
import ipaddress
import os

# --- limits and defaults -------------------------------------------------------

DEFAULT_PORT = 8010
DEFAULT_PREFIX = "wsa-"
DEFAULT_ADMIN = "host"
# Attendee names: they become account names after the prefix, and folder
# names. A Unix account name has at most 32 characters.
NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,19}$"
MAX_PREFIX = 12
# Per attendee (docs/classroom.md: an attendee measured at most ~1 GiB while
# a cell builds and gopls indexes; a cell needs about one core for a second).
# Every attendee weighs the same in the CPU scheduler (a fair share); the cap
# of one core keeps a busy attendee (a parallel build, a loop in every
# goroutine) from taking the whole of a small machine from the others.
DEFAULT_CPU = 1.0
DEFAULT_MEMORY = 2 << 30
DEFAULT_PIDS = 1024
# The largest file an attendee may write (RLIMIT_FSIZE): far above a Go
# build's largest output (a test binary, tens of MiB), far below a full disk.
DEFAULT_FILE_LIMIT = 1 << 30
DEFAULT_IDLE_TIMEOUT = 3600
# Generated secrets: base32 characters of 5 bits each.
CODE_CHARS = 13  # 65 bits, read out to the room
PASSWORD_CHARS = 20  # 100 bits
CERT_DAYS = 30
# Python's standard library parts attendees never use.
STDLIB_SKIP = {"site-packages", "dist-packages", "test", "idlelib", "tkinter", "turtledemo", "lib2to3", "ensurepip"}


class ClassroomError(Exception):
    """A setting or a state the classroom cannot work with; its message says
    what to do."""


def _env(environ, name, default=""):
    return environ.get(name, "").strip() or default


def _size(text):
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.upper().rstrip("IB") if text.upper().endswith(("IB", "B")) else text.upper()
    num, unit = (t[:-1], t[-1]) if t and t[-1] in units else (t, "")
    try:
        value = int(float(num) * units[unit])
    except ValueError:
        raise ClassroomError(f"{text!r} is not a size (e.g. 2G, 1536M)") from None
    if value <= 0:
        raise ClassroomError(f"{text!r} is not a positive size")
    return value


class Settings:
    """The classroom's settings, from the environment scripts/classroom.sh
    exports (CLASSROOM_*, WORKSHOP_ROOT)."""

    def __init__(self, environ=os.environ):
        self.root = _env(environ, "WORKSHOP_ROOT")
        if not self.root:
            raise ClassroomError("WORKSHOP_ROOT is not set (start the classroom with `make classroom`)")
        self.is_root = os.geteuid() == 0
        default_dir = "/var/lib/workshop-classroom" if self.is_root else os.path.join(self.root, ".classroom")
        self.dir = os.path.abspath(_env(environ, "CLASSROOM_DIR", default_dir))
        self.state = os.path.join(self.dir, "state")
        self.share = os.path.join(self.dir, "share")
        self.homes = os.path.join(self.dir, "homes")
        # Attendees' own Go build caches and temporary folders: outside their
        # homes, in folders only root changes (homes.private_folder).
        self.gocaches = os.path.join(self.dir, "gocache")
        self.tmps = os.path.join(self.dir, "tmp")
        self.cache = os.path.abspath(_env(environ, "CLASSROOM_CACHE", "/var/cache/workshop-classroom"))

        walls = _env(environ, "CLASSROOM_WALLS", "on" if self.is_root else "trial")
        if walls not in ("on", "off", "trial"):
            raise ClassroomError(f"CLASSROOM_WALLS={walls}: want on, off or trial")
        if walls == "trial" and self.is_root:
            raise ClassroomError("CLASSROOM_WALLS=trial runs attendees as you, which as root would make them root: use on (the default) or off")
        if walls in ("on", "off") and not self.is_root:
            raise ClassroomError(f"CLASSROOM_WALLS={walls} creates accounts for the class, which needs root (sudo make classroom); as you, the classroom runs as a trial")
        self.walls = walls

        self.prefix = _env(environ, "CLASSROOM_ACCOUNT_PREFIX", DEFAULT_PREFIX)
        if not (1 <= len(self.prefix) <= MAX_PREFIX and self.prefix[0].isalpha() and self.prefix.islower()
                and all(c.isalnum() or c in "-_" for c in self.prefix)):
            raise ClassroomError(f"CLASSROOM_ACCOUNT_PREFIX={self.prefix!r}: want 1 to {MAX_PREFIX} lowercase letters, digits, - or _, starting with a letter")

        try:
            self.port = int(_env(environ, "CLASSROOM_PORT", str(DEFAULT_PORT)))
        except ValueError:
            raise ClassroomError("CLASSROOM_PORT is not a port number") from None
        if not 0 < self.port < 65536:
            raise ClassroomError(f"CLASSROOM_PORT={self.port} is not a port number")
        self.listen = _env(environ, "CLASSROOM_LISTEN", "127.0.0.1")
        try:
            ip = ipaddress.ip_address(self.listen)
        except ValueError:
            raise ClassroomError(f"CLASSROOM_LISTEN={self.listen}: want an IP address of this machine, or 0.0.0.0 for all") from None
        self.loopback = ip.is_loopback
        tls = _env(environ, "CLASSROOM_TLS", "auto")
        if tls not in ("auto", "on", "off", "1", "0"):
            raise ClassroomError(f"CLASSROOM_TLS={tls}: want on, off or auto")
        self.tls = tls in ("on", "1") or (tls == "auto" and not self.loopback)
        if not self.loopback and not self.tls:
            raise ClassroomError(f"CLASSROOM_LISTEN={self.listen} serves the room's network, and then only over TLS: leave CLASSROOM_TLS unset")
        if not self.loopback and self.walls != "on":
            raise ClassroomError(f"attendees are not walled off from each other (CLASSROOM_WALLS={self.walls}), so the classroom serves loopback only; run as root for a room")
        self.tls_cert = _env(environ, "CLASSROOM_TLS_CERT")
        self.tls_key = _env(environ, "CLASSROOM_TLS_KEY")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ClassroomError("set both CLASSROOM_TLS_CERT and CLASSROOM_TLS_KEY, or neither (a certificate is then made for the class)")

        self.admin = _env(environ, "CLASSROOM_ADMIN", DEFAULT_ADMIN)
        self.code_file = _env(environ, "CLASSROOM_CODE_FILE")
        self.admin_password_file = _env(environ, "CLASSROOM_ADMIN_PASSWORD_FILE")
        cores = os.cpu_count() or 1
        try:
            self.max_servers = int(_env(environ, "CLASSROOM_MAX_SERVERS", str(default_max_servers())))
            self.idle_timeout = int(_env(environ, "CLASSROOM_IDLE_TIMEOUT", str(DEFAULT_IDLE_TIMEOUT)))
            self.cpu = float(_env(environ, "CLASSROOM_CPU_LIMIT", str(min(DEFAULT_CPU, cores))))
            self.pids = int(_env(environ, "CLASSROOM_PIDS_LIMIT", str(DEFAULT_PIDS)))
        except ValueError as e:
            raise ClassroomError(f"a classroom limit is not a number: {e}") from None
        self.memory = _size(_env(environ, "CLASSROOM_MEMORY_LIMIT", str(DEFAULT_MEMORY)))
        self.file_limit = _size(_env(environ, "CLASSROOM_FILE_LIMIT", str(DEFAULT_FILE_LIMIT)))
        if self.max_servers < 1 or self.idle_timeout < 60 or self.cpu <= 0 or self.pids < 64:
            raise ClassroomError("limits: CLASSROOM_MAX_SERVERS >= 1, CLASSROOM_IDLE_TIMEOUT >= 60 (seconds), CLASSROOM_CPU_LIMIT > 0, CLASSROOM_PIDS_LIMIT >= 64")
        # Marks the accounts of this classroom (the GECOS field has no colons).
        self.mark = "go-async-workshop classroom " + hashlib.sha256(self.dir.encode()).hexdigest()[:12]
        self.class_id = hashlib.sha256(self.dir.encode()).hexdigest()[:8]

    def account(self, name):
        """The system account an attendee's server runs as, or None for the
        host's own (trial)."""
        if self.walls == "on":
            return self.prefix + name
        if self.walls == "off":
            return self.prefix + "class"
        return None

    def home(self, name):
        if self.walls == "on":
            return os.path.join(self.homes, self.account(name))
        return os.path.join(self.homes, name)

    def own(self, name):
        """The name of an attendee's own Go build cache and temporary folder
        (in gocaches/ and tmps/): their account's, or with walls off, the
        class account's for the cache and their name for the folder."""
        return self.account(name) or name

    def account_home(self):
        """With walls off: the home of the one account attendees share (its
        Go build cache)."""
        return os.path.join(self.homes, ".class")


def default_max_servers():
    """Two attendees per core and one per GiB of memory past 2 GiB: 4 on the
    2-core, 24 GiB machine the capacity was measured on (docs/classroom.md)."""
    cores = os.cpu_count() or 1
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line for line in f if line.startswith("MemTotal:")).split()[1])
        mem_gib = kib // (1 << 20)
    except (OSError, StopIteration, ValueError):
        mem_gib = 2 * cores + 2
    return max(1, min(2 * cores, mem_gib - 2))
