"""The one-machine classroom: its settings, its walls, its door's secrets.

`make classroom` (scripts/classroom.sh) runs `classroom.py prepare` before it
starts the hub, and `classroom.py sweep` after the hub has stopped; `make
classroom-reset` runs `classroom.py reset`. The hub's configuration
(jupyterhub_config.py beside this file) imports it for the same settings and
for the spawner's work: accounts, homes, caches and limits.

Three ways a class runs (CLASSROOM_WALLS):

* "on", the default as root (a class VM, CI): every attendee is a system
  account created for the class (CLASSROOM_ACCOUNT_PREFIX + name), with a
  private home; their Jupyter server, kernels, builds and mock server run as
  that account, in cgroups with CPU, memory and process limits where the
  machine has them. What they run comes from a root-owned, read-only install
  (the share, and the machine-wide cache for Python and Go);
* "off", as root: attendees share one account created for the class: they
  are walled off from the host, not from each other (the benchmark's
  control, and a cheap trial);
* "trial", the only way as a normal user: every attendee's server runs as
  you, from the repository itself, as a trial on loopback.

Layout of CLASSROOM_DIR (default /var/lib/workshop-classroom as root):

    state/   0700 root: the hub's database, cookie secret, the workshop code,
             the host's password, the TLS key, logs, the accounts created
    share/   0755 root: what attendees run that changes with the repository:
             the workshop's source, the mock server, the kernel's launcher,
             the kernel spec, the Jupyter server's configuration
    homes/   0711 root: one 0700 home per attendee

and of CLASSROOM_CACHE (default /var/cache/workshop-classroom), shared by the
classes of the machine: python-KEY/ (a copy of the interpreter when attendees
cannot reach the repository's own), venv-KEY/ (the repository's .venv,
copied), go/mod (the Go modules the workshop needs) and go/cache (the Go
build cache of everything a notebook's cells import, but the workshop's own
packages), each read-only to attendees.
"""

import contextlib
import datetime
import fcntl
import hashlib
import ipaddress
import json
import os
import pwd
import resource
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

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
DEFAULT_CPU = 2.0
DEFAULT_MEMORY = 2 << 30
DEFAULT_PIDS = 1024
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


# --- files --------------------------------------------------------------------


def makedirs(path, mode, owner=None):
    """Creates path if missing and sets its mode (and owner: uid, gid)."""
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)
    if owner is not None:
        os.chown(path, *owner)


def write_secret(path, text):
    """Writes a file only its owner can read, never readable in between."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_secret(path):
    with open(path) as f:
        return f.read().strip()


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


# --- secrets ------------------------------------------------------------------

_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's: no I, L, O, U


def random_text(chars):
    """chars characters of Crockford's base32 from the OS's random source
    (5 bits each)."""
    n = int.from_bytes(secrets.token_bytes((chars * 5 + 7) // 8), "big")
    return "".join(_B32[(n >> (5 * i)) & 31] for i in range(chars))


def grouped(text, size=4):
    return "-".join(text[i:i + size] for i in range(0, len(text), size))


def normalize_code(text):
    """A workshop code as typed: case, spaces and dashes do not matter."""
    return "".join(c for c in text.upper() if c.isalnum()).replace("O", "0").replace("I", "1").replace("L", "1")


def ensure_secret(path, given_file, make, what):
    """Returns the secret in path: taken from given_file if the host gave
    one, else kept from an earlier run, else made now."""
    if given_file:
        try:
            value = read_secret(given_file)
        except OSError as e:
            raise ClassroomError(f"cannot read the {what} from {given_file}: {e}") from None
        if len(value) < 8:
            raise ClassroomError(f"the {what} in {given_file} has fewer than 8 characters")
        write_secret(path, value)
        return value
    if os.path.exists(path):
        return read_secret(path)
    value = make()
    write_secret(path, value)
    return value


# --- TLS ----------------------------------------------------------------------


def machine_addresses():
    """The machine's IP addresses but loopback, for a certificate and for the
    URLs the host reads out."""
    found = []
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
        found = out.split()
    except (OSError, subprocess.SubprocessError):
        pass
    if not found:
        try:
            found = sorted({a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)})
        except OSError:
            pass
    return [a for a in found if not ipaddress.ip_address(a.split("%")[0]).is_loopback]


def ensure_certificate(s):
    """Returns (cert, key) paths: the host's, or a certificate made for the
    class (kept while valid for more than two days)."""
    if s.tls_cert:
        for p in (s.tls_cert, s.tls_key):
            if not os.access(p, os.R_OK):
                raise ClassroomError(f"cannot read {p}")
        return s.tls_cert, s.tls_key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = os.path.join(s.state, "tls")
    makedirs(folder, 0o700)
    cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    names = sorted({s.listen, "127.0.0.1", *machine_addresses()} - {"0.0.0.0", "::"})
    hosts = sorted({"localhost", socket.gethostname()})
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            have = {str(a) for a in san.get_values_for_type(x509.IPAddress)}
        except x509.ExtensionNotFound:
            have = set()
        if cert.not_valid_after_utc - datetime.timedelta(days=2) > datetime.datetime.now(datetime.timezone.utc) and set(names) <= have:
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "go-async-workshop classroom")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(h) for h in hosts] + [x509.IPAddress(ipaddress.ip_address(a.split("%")[0])) for a in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_secret(key_path, key_pem.decode().strip())
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def fingerprint(cert_path):
    """The certificate's SHA-256 fingerprint, as browsers show it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    with open(cert_path, "rb") as f:
        der = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


# --- what attendees run ---------------------------------------------------------


def venv_python_info(venv):
    """The interpreter of a venv: its executable, standard library, shared
    library and version, as the venv's own Python reports them."""
    code = ("import sys, sysconfig, json; print(json.dumps({'exe': sys._base_executable, 'stdlib': sysconfig.get_path('stdlib'),"
            " 'platstdlib': sysconfig.get_path('platstdlib'), 'libdir': sysconfig.get_config_var('LIBDIR') or '',"
            " 'ldlibrary': sysconfig.get_config_var('LDLIBRARY') or '', 'shared': bool(sysconfig.get_config_var('Py_ENABLE_SHARED')),"
            " 'version': '%d.%d' % sys.version_info[:2], 'full': sys.version}))")
    out = subprocess.run([os.path.join(venv, "bin", "python"), "-c", code], check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    info["exe"] = os.path.realpath(info["exe"])
    return info


def venv_key(venv, info):
    """Names a copy of the venv by what is installed in it and its Python."""
    site = os.path.join(venv, "lib", "python" + info["version"], "site-packages")
    dists = sorted(n for n in os.listdir(site) if n.endswith(".dist-info"))
    return hashlib.sha256(json.dumps([info["full"], info["exe"], dists]).encode()).hexdigest()[:16]


def install_python(s, info, key):
    """Returns (python executable, LD_LIBRARY_PATH or "") attendees can run:
    the venv's interpreter itself when other users can reach it, else a copy
    in the machine's cache (the interpreter, its standard library and shared
    library)."""
    if reachable(info["exe"]) and reachable(os.path.join(info["stdlib"], "os.py")):
        return info["exe"], ""
    dst = os.path.join(s.cache, "python-" + key)
    ver = "python" + info["version"]
    lib = os.path.join(dst, "lib")
    if not os.path.exists(os.path.join(dst, ".complete")):
        tmp = dst + ".partial"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(os.path.join(tmp, "bin"))
        shutil.copy2(info["exe"], os.path.join(tmp, "bin", ver))
        shutil.copytree(info["stdlib"], os.path.join(tmp, "lib", ver), symlinks=True,
                        ignore=lambda d, names: {n for n in names if n in STDLIB_SKIP or n.startswith("config-")})
        if info["platstdlib"] != info["stdlib"] and os.path.isdir(info["platstdlib"]):
            shutil.copytree(info["platstdlib"], os.path.join(tmp, "lib", ver), dirs_exist_ok=True, symlinks=True,
                            ignore=lambda d, names: {n for n in names if n in STDLIB_SKIP})
        if info["shared"] and info["ldlibrary"]:
            for n in os.listdir(info["libdir"]):
                if n.startswith(info["ldlibrary"]):
                    shutil.copy2(os.path.join(info["libdir"], n), os.path.join(tmp, "lib", n), follow_symlinks=True)
        shutil.rmtree(dst, ignore_errors=True)
        os.rename(tmp, dst)
        compile_python(os.path.join(dst, "bin", ver), os.path.join(dst, "lib", ver), {"LD_LIBRARY_PATH": lib} if info["shared"] else {})
        seal(dst)
        open(os.path.join(dst, ".complete"), "w").close()
    return os.path.join(dst, "bin", ver), (lib if info["shared"] else "")


@contextlib.contextmanager
def cache_lock(s):
    """Holds the machine's cache for one classroom at a time while it is
    filled (classes of other checkouts may start at the same moment)."""
    with open(os.path.join(s.cache, ".lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def compile_python(python, folder, env):
    """Compiles every module under folder to bytecode, as root, once:
    attendees cannot write __pycache__ folders there, so a module the host
    never imported would otherwise be compiled again at every start of
    every attendee's Jupyter server."""
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", folder], env=dict(os.environ, **env),
                   stdout=subprocess.DEVNULL, check=False)


def install_venv(s, venv, python, info, key, ld):
    """Copies the repository's venv into the machine's cache, run by python
    (shebangs and pyvenv.cfg rewritten), root-owned and read-only."""
    dst = os.path.join(s.cache, "venv-" + key)
    if os.path.exists(os.path.join(dst, ".complete")):
        return dst
    tmp = dst + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(venv, tmp, symlinks=True, ignore=lambda d, names: {n for n in names if n.startswith(".workshop")})
    bindir = os.path.join(tmp, "bin")
    for n in ("python", "python3", "python" + info["version"]):
        p = os.path.join(bindir, n)
        if os.path.lexists(p):
            os.remove(p)
        os.symlink(python, p)
    with open(os.path.join(tmp, "pyvenv.cfg"), "w") as f:
        f.write(f"home = {os.path.dirname(python)}\ninclude-system-site-packages = false\nversion = {info['full'].split()[0]}\nexecutable = {python}\n")
    old = ("#!" + os.path.join(venv, "bin", "python")).encode()
    for n in os.listdir(bindir):
        p = os.path.join(bindir, n)
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        with open(p, "rb") as f:
            head = f.read(len(old) + 8)
            if not head.startswith(old[:-len("python")]):
                continue
            rest = f.read()
        first, _, tail = (head + rest).partition(b"\n")
        interp = first[2:].split(b"/")[-1]
        with open(p, "wb") as f:
            f.write(b"#!" + os.path.join(dst, "bin").encode() + b"/" + interp + b"\n" + tail)
    shutil.rmtree(dst, ignore_errors=True)
    os.rename(tmp, dst)
    compile_python(os.path.join(dst, "bin", "python"), os.path.join(dst, "lib"), {"LD_LIBRARY_PATH": ld} if ld else {})
    seal(dst)
    open(os.path.join(dst, ".complete"), "w").close()
    return dst


def install_share(s):
    """Installs the share: the workshop's source, the programs attendees run,
    the kernel spec and the Jupyter server's configuration."""
    sys.path.insert(0, os.path.join(s.root, "deploy", "jupyter"))
    import workshop_videoserver  # the start mechanism's own rules for a copy

    makedirs(s.share, 0o755)
    # The source: what the start mechanism copies into each home, without
    # the repository's tooling and tests (so nothing of the host's beyond
    # the lessons).
    src = os.path.join(s.share, "src")
    shutil.rmtree(src, ignore_errors=True)
    workshop_videoserver.copy_workshop(s.root, src)
    # Programs.
    bindir = os.path.join(s.share, "bin")
    shutil.rmtree(bindir, ignore_errors=True)
    os.makedirs(os.path.join(bindir, "helpers"))
    for n in ("gonb", "goimports", "gopls", "workshop-server", "workshop-kernel"):
        shutil.copy2(os.path.join(s.root, ".bin", n), os.path.join(bindir, n))
    # gopls, as the kernel finds it, is the wrapper that dies with the kernel.
    os.symlink(os.path.join(bindir, "workshop-kernel"), os.path.join(bindir, "helpers", "gopls"))
    # The Jupyter server's configuration: the start mechanism.
    copy_fresh(os.path.join(s.root, "deploy", "jupyter"), os.path.join(s.share, "config"),
               ignore=lambda d, names: {n for n in names if n in ("__pycache__", "kernelguard", "cmd")})
    seal(s.share)


def kernel_spec(s, path_entries, env_extra):
    """Writes the GoNB kernel spec attendees use: the kernel started through
    workshop-kernel, gopls found as its wrapper."""
    bindir = os.path.join(s.share, "bin")
    src = os.path.join(s.root, ".jupyter", "kernels", "gonb")
    with open(os.path.join(src, "kernel.json")) as f:
        spec = json.load(f)
    argv = spec["argv"]
    argv[0] = os.path.join(bindir, "gonb")
    spec["argv"] = [os.path.join(bindir, "workshop-kernel")] + argv
    spec["env"] = dict(env_extra, PATH=os.pathsep.join([os.path.join(bindir, "helpers"), bindir, *path_entries, "${PATH}"]),
                       WORKSHOP_GOPLS=os.path.join(bindir, "gopls"))
    dst = os.path.join(s.share, "jupyter", "kernels", "gonb")
    shutil.rmtree(os.path.join(s.share, "jupyter"), ignore_errors=True)
    os.makedirs(dst)
    for n in os.listdir(src):
        if n != "kernel.json":
            shutil.copy2(os.path.join(src, n), os.path.join(dst, n))
    with open(os.path.join(dst, "kernel.json"), "w") as f:
        json.dump(spec, f, indent=1)
    seal(os.path.join(s.share, "jupyter"))


def go_env(*names, env=None):
    out = subprocess.run(["go", "env", *names], check=True, capture_output=True, text=True, env=env).stdout
    return dict(zip(names, out.splitlines()))


def attendee_go_env(s):
    """The Go settings of attendees: offline, from the read-only module cache
    (go.sum is filled from its hashes: the host's go command checked them
    when it downloaded)."""
    return {
        "GOMODCACHE": os.path.join(s.cache, "go", "mod"),
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
    }


def install_go(s, log):
    """Fills the machine's read-only Go caches: the modules the workshop needs
    (from the host's module cache, offline) and the build cache of every
    package a notebook's cells import, but the workshop's own (attendees
    build those from their own copy)."""
    host = go_env("GOMODCACHE", "GOROOT")
    if not reachable(os.path.join(host["GOROOT"], "bin", "go")):
        raise ClassroomError(f"attendees cannot reach Go at {host['GOROOT']}: install Go where every user can read it (e.g. /usr/local/go)")
    root = os.path.join(s.cache, "go")
    makedirs(root, 0o755)
    env = dict(os.environ, **attendee_go_env(s))
    env.update(GOPROXY="file://" + os.path.join(host["GOMODCACHE"], "cache", "download"), GOCACHE=os.path.join(root, "cache"))
    t0 = time.monotonic()
    subprocess.run(["go", "mod", "download"], cwd=s.root, env=env, check=True)
    pkgs = subprocess.run(["go", "list", "-deps", "-f", "{{if not .Module}}{{.ImportPath}}{{else if not .Module.Main}}{{.ImportPath}}{{end}}",
                           "./notebooks/cellimports"], cwd=s.root, env=env, check=True, capture_output=True, text=True).stdout.split()
    stamp = os.path.join(root, "cache.stamp")
    want = hashlib.sha256(" ".join([go_env("GOVERSION")["GOVERSION"], *pkgs]).encode() + open(os.path.join(s.root, "go.sum"), "rb").read()).hexdigest()
    if not (os.path.exists(stamp) and open(stamp).read() == want):
        log("building the Go packages notebook cells import into the attendees' shared build cache (once per Go version and module set)")
        subprocess.run(["go", "build", *pkgs], cwd=s.root, env=env, check=True)
        subprocess.run(["go", "test", "-c", "-o", os.devnull, *[p for p in pkgs if p == "testing"]], cwd=s.root, env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(stamp, "w") as f:
            f.write(want)
    log(f"Go caches for attendees ready ({time.monotonic() - t0:.0f} s)")
    return os.path.join(root, "cache")


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


# --- accounts -------------------------------------------------------------------

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
    is left. Returns how many were left at the end (0 when it worked)."""
    deadline = time.monotonic() + timeout
    while processes_of(pw.pw_uid):
        def drop():
            os.setgid(pw.pw_gid)
            os.setgroups([])
            os.setuid(pw.pw_uid)
        subprocess.run([sys.executable, "-S", "-c", "import os, signal\ntry: os.kill(-1, signal.SIGKILL)\nexcept OSError: pass"],
                       preexec_fn=drop, close_fds=True)
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return len(processes_of(pw.pw_uid))


# --- limits ---------------------------------------------------------------------

CGROUP_ROOT = "/sys/fs/cgroup"
V1_CONTROLLERS = ("cpu", "memory", "pids")


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
        lim = f"{self.s.cpu:g} CPUs, {self.s.memory >> 20} MiB of memory, {self.s.pids} processes"
        if self.version == 2:
            return f"cgroup v2: {lim} per attendee"
        if self.version == 1:
            return f"cgroup v1: {lim} per attendee"
        return f"no writable cgroups here: only {self.s.pids} processes per attendee (RLIMIT_NPROC); no CPU or memory limit"

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


def preexec_for(procs, nproc, then):
    """A Popen preexec_fn: joins the cgroups, limits the process count, then
    calls then (which drops to the attendee's account)."""
    def preexec():
        for p in procs:
            with open(p, "w") as f:
                f.write(str(os.getpid()))
        if nproc:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        then()
    return preexec


# --- commands -------------------------------------------------------------------


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
    for d in (s.homes, s.share, s.state, os.path.join(s.dir, "room")):
        shutil.rmtree(d, ignore_errors=True)
    if os.path.isdir(s.dir) and not os.listdir(s.dir):
        os.rmdir(s.dir)
    say(f"==> classroom reset: {len(accounts)} accounts removed ({', '.join(p.pw_name for p in accounts) or 'none'}), "
        f"homes and state in {s.dir} deleted")
    return 0


def check(s):
    """Only checks the settings (Settings did): nothing is made."""
    return 0


def main(argv):
    cmds = {"check": check, "prepare": prepare, "sweep": sweep, "reset": reset}
    if len(argv) != 2 or argv[1] not in cmds:
        print("usage: classroom.py check|prepare|sweep|reset", file=sys.stderr)
        return 2
    try:
        s = Settings()
        return cmds[argv[1]](s) or 0
    except ClassroomError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
