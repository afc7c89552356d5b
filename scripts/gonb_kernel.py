#!/usr/bin/env python3
"""Installs the GoNB kernel with the workshop's settings for running cells.

    gonb_kernel.py GONB DATA_DIR [--force-deps] [--path-prefix DIRS]
                   [--guard LAUNCHER --gopls GOPLS]

Runs `GONB --install` with JUPYTER_DATA_DIR=DATA_DIR (the kernel lands in
DATA_DIR/kernels/gonb), then writes into its kernel.json the environment every
cell is built with. Every way of running the workshop installs the kernel
with this script: make setup (scripts/install-kernel.sh, into .jupyter/, which the
one-machine classroom shares) and the image (deploy/Dockerfile).

GoNB builds each cell as a program of its own. The environment makes that
build cheap (docs/setup.md, "How cells run"):

  GOFLAGS=-mod=mod -ldflags=-s
      -ldflags=-s  links cell programs without the symbol table and the DWARF
                   debug information: the link, most of a cell's build, takes
                   about a third less. A panic still names the cell's lines
                   (Go's own line tables stay in every binary); only a
                   debugger would miss what is left out.
      -mod=mod     lets the build itself add the module of a package a cell
                   imports to the kernel's go.mod. The notebooks' first cell
                   turns GoNB's `go get` before every cell off (%noautoget),
                   so this is how a learner's new third-party import is still
                   fetched.

Options:
  --force-deps         install even if goimports or gopls are not found yet
  --path-prefix DIRS   put DIRS (a PATH list) before the PATH Jupyter gives
                       the kernel, where the tools GoNB runs are
  --guard LAUNCHER     start the kernel through LAUNCHER (workshop-kernel,
                       deploy/jupyter/kernelguard), so that its helpers die
                       with it; the gopls the kernel finds first on its PATH
                       must then be LAUNCHER under the name gopls (a link in
                       a folder of --path-prefix), which runs --gopls
  --gopls GOPLS        the real gopls, for the wrapper (with --guard)
"""
import argparse
import json
import os
import subprocess
import sys

# Every cell's build flags (see above). GOFLAGS holds flags separated by
# spaces; a flag's value cannot hold one, so -ldflags takes -s alone (which
# leaves out the DWARF information too, as -w would).
GOFLAGS = "-mod=mod -ldflags=-s"


def main(argv):
    p = argparse.ArgumentParser(description="Installs the GoNB kernel with the workshop's settings.")
    p.add_argument("gonb", help="the gonb program")
    p.add_argument("data_dir", help="the Jupyter data folder to install into")
    p.add_argument("--force-deps", action="store_true", help="install even if goimports or gopls are missing")
    p.add_argument("--path-prefix", default="", help="folders to put before the kernel's PATH")
    p.add_argument("--guard", default="", help="the launcher the kernel starts through (workshop-kernel)")
    p.add_argument("--gopls", default="", help="the real gopls, for the launcher's gopls wrapper")
    a = p.parse_args(argv)
    if bool(a.guard) != bool(a.gopls):
        p.error("--guard and --gopls go together")

    cmd = [a.gonb, "--install", "--logtostderr"]
    if a.force_deps:
        cmd.append("--force_deps")
    env = dict(os.environ, JUPYTER_DATA_DIR=a.data_dir)
    try:
        r = subprocess.run(cmd, env=env)
    except OSError as e:
        sys.exit(f"error: cannot run {a.gonb}: {e.strerror}")
    if r.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed (exit status {r.returncode})")

    path = os.path.join(a.data_dir, "kernels", "gonb", "kernel.json")
    with open(path) as f:
        spec = json.load(f)
    kernel_env = spec.setdefault("env", {})
    kernel_env["GOFLAGS"] = GOFLAGS
    if a.path_prefix:
        # Jupyter expands ${PATH} to the PATH it runs with.
        kernel_env["PATH"] = a.path_prefix + os.pathsep + "${PATH}"
    if a.guard:
        spec["argv"] = [a.guard] + spec["argv"]
        kernel_env["WORKSHOP_GOPLS"] = a.gopls
    with open(path, "w") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")
    print(f"GoNB kernel installed in {os.path.dirname(path)} (GOFLAGS={GOFLAGS})")


if __name__ == "__main__":
    main(sys.argv[1:])
