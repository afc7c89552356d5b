"""Go for attendees: their settings (offline, from the read-only module
cache) and the machine's read-only module and build caches."""

import hashlib
import os
import subprocess
import time

from files import makedirs, reachable
from settings import ClassroomError


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

# The flags of the race cells (notebook 07's %goflags): the shared cache holds
# the packages built with them too, as the lab's setup warms its own (with
# -race alone, the first race cell would compile every package again).
RACE_FLAGS = ("-race", "-trimpath")


def install_go(s, log):
    """Fills the machine's read-only Go caches: the modules the workshop needs
    (from the host's module cache, offline) and the build cache of every
    package a notebook's cells import, but the workshop's own (attendees
    build those from their own copy), plain and with RACE_FLAGS."""
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
    want = hashlib.sha256(" ".join([go_env("GOVERSION")["GOVERSION"], *RACE_FLAGS, *pkgs]).encode() + open(os.path.join(s.root, "go.sum"), "rb").read()).hexdigest()
    if not (os.path.exists(stamp) and open(stamp).read() == want):
        log("building the Go packages notebook cells import into the attendees' shared build cache (once per Go version and module set)")
        subprocess.run(["go", "build", *pkgs], cwd=s.root, env=env, check=True)
        subprocess.run(["go", "build", *RACE_FLAGS, *pkgs], cwd=s.root, env=env, check=True)
        subprocess.run(["go", "test", "-c", "-o", os.devnull, *[p for p in pkgs if p == "testing"]], cwd=s.root, env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(stamp, "w") as f:
            f.write(want)
    log(f"Go caches for attendees ready ({time.monotonic() - t0:.0f} s)")
    return os.path.join(root, "cache")
