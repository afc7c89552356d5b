"""What attendees run, installed read-only: the interpreter and the venv in
the machine's cache, and the share (the workshop's source, the programs, the
kernel spec, the Jupyter server's configuration)."""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys

from files import copy_fresh, makedirs, reachable, seal
from settings import STDLIB_SKIP


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
    # The kernel's own environment (GOFLAGS: scripts/gonb_kernel.py) stays;
    # PATH and the wrapper's gopls are the share's.
    spec["env"] = dict(spec.get("env") or {}, **env_extra)
    spec["env"].update(PATH=os.pathsep.join([os.path.join(bindir, "helpers"), bindir, *path_entries, "${PATH}"]),
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
