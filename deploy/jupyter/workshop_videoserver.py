"""Starts an attendee's own mock video server with their Jupyter server.

Every attendee of a class (on JupyterHub, on Binder, in the Docker lab, or on
the one-machine classroom hub) gets a private mock video server, so that one
attendee's "100 requests at once" never bends another attendee's numbers. The
server is started when the attendee's Jupyter server starts, never by a
notebook cell, and it stops when the Jupyter server stops.

jupyter_server_config.py beside this file calls configure(c). Then:

* the server listens on $VIDEO_SERVER_ADDR (default 127.0.0.1:8000, the
  address a Kubernetes pod or a Binder container gives each attendee alone;
  the one-machine classroom gives each attendee a Unix socket in their
  private home instead, unix:/path/to/video.sock, which no one else can
  reach);
* the kernels get the matching VIDEO_API_URL, so notebooks find it;
* the attendee's browser, which cannot reach that address under a hub, opens
  the server's pages through jupyter-server-proxy: /video-api/... (and, on a
  port, /proxy/<port>/...), and the JupyterLab launcher tiles "Video API
  docs" and "Video server dashboard";
* if the server dies (a crash, or the attendee killed it), it is started
  again, at most RESTARTS_PER_MINUTE times a minute; past that the Jupyter
  server's log says so, and restarting the attendee's server from the hub's
  home page starts it afresh;
* on first start, the workshop (the Go module with its notebooks) is copied
  from $WORKSHOP_SOURCE (default /opt/workshop/src) into workshop/ of the
  Jupyter server's root folder, unless that folder exists already, so an
  attendee's own edits are kept.

Environment (all optional):

  VIDEO_SERVER_ADDR            host:port or unix:/path of the attendee's server (127.0.0.1:8000)
  WORKSHOP_VIDEO_SERVER_BIN    the server program (workshop-server on PATH)
  WORKSHOP_SOURCE              the workshop copied into each attendee's folder
  VIDEO_SERVER_LATENCY_SCALE   and the server's other settings, read by the server itself
"""

import atexit
import ctypes
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

# Where things are unless the environment says otherwise.
DEFAULT_ADDR = "127.0.0.1:8000"
DEFAULT_SOURCE = "/opt/workshop/src"
SERVER_PROGRAM = "workshop-server"
WORKSHOP_FOLDER = "workshop"
START_NOTEBOOK = WORKSHOP_FOLDER + "/notebooks/00_start_here.ipynb"

# How long the server may take to answer /healthz, and to stop.
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
# A server that dies is started again after RESTART_PAUSE, at most
# RESTARTS_PER_MINUTE times in a minute.
RESTART_PAUSE = 1.0
RESTARTS_PER_MINUTE = 5
# The address prefix of a Unix socket.
UNIX_SCHEME = "unix:"

# What the copy of the workshop leaves out: tooling and tests, not lessons
# (folders at the top, folders anywhere, and hidden files and *_test.go).
SKIP_TOP = {"deploy", "docs", "scripts", "artifacts", "binder", "node_modules"}
SKIP_ANYWHERE = {"testdata", "browsercheck", "cellimports", "__pycache__"}
SKIP_PATHS = {
    os.path.join("notebooks", "ipynb"),  # the notebooks' checks
    os.path.join("notebooks", "nbrun"),
    # the tests' and scripts' own (internal/ also holds what programs share;
    # deploy/testtools_test.go lists them)
    os.path.join("internal", "chromium"),
    os.path.join("internal", "cmdtest"),
    os.path.join("internal", "composefile"),
    os.path.join("internal", "cpuhog"),
    os.path.join("internal", "leakcheck"),
    os.path.join("internal", "lessons"),
}

_HERE = os.path.dirname(os.path.abspath(__file__))
_process = None
_stopping = threading.Event()
_lock = threading.Lock()


def server_address():
    """Returns (listen address, URL kernels use, port or Unix socket path)
    from VIDEO_SERVER_ADDR."""
    addr = os.environ.get("VIDEO_SERVER_ADDR", "").strip() or DEFAULT_ADDR
    if addr.startswith(UNIX_SCHEME):
        rest = addr[len(UNIX_SCHEME):]
        path = "/" + rest.lstrip("/")
        if not rest.startswith("/") or path == "/":
            raise ValueError(f"VIDEO_SERVER_ADDR={addr!r} is not unix:/absolute/path/to/socket")
        return UNIX_SCHEME + path, "unix://" + path, path
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"VIDEO_SERVER_ADDR={addr!r} is not host:port with a port from 1 to 65535")
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"  # a wildcard address is reached through loopback
    return addr, f"http://{host}:{port}", int(port)


def configure(c):
    """Sets the Jupyter server's configuration: this extension, the proxy
    entries and launcher tiles of the attendee's server, and the default URL.
    It starts nothing; the extension does, once the Jupyter server starts."""
    addr, url, where = server_address()
    os.environ["VIDEO_SERVER_ADDR"] = addr
    os.environ["VIDEO_API_URL"] = url  # inherited by every kernel
    if _HERE not in sys.path:
        sys.path.insert(0, _HERE)
    # The proxy reaches the server where it listens: a port, or a socket.
    target = {"unix_socket": where} if isinstance(where, str) else {"port": where}

    c.ServerApp.jpserver_extensions.update({"jupyter_server_proxy": True, "workshop_videoserver": True})
    c.ServerApp.default_url = "/lab/tree/" + START_NOTEBOOK
    # Each entry proxies /<name>/ to the attendee's server, which is already
    # running (no command); its launcher tile opens the given page.
    c.ServerProxy.servers.update({
        "video-api": {
            **target,
            "launcher_entry": {
                "title": "Video API docs",
                "path_info": "video-api/docs",
                "icon_path": os.path.join(_HERE, "icons", "video-api.svg"),
                "category": "Other",
            },
            "new_browser_tab": True,
        },
        "video-dashboard": {
            **target,
            "launcher_entry": {
                "title": "Video server dashboard",
                "path_info": "video-dashboard/dashboard",
                "icon_path": os.path.join(_HERE, "icons", "video-dashboard.svg"),
                "category": "Other",
            },
            # A JupyterLab tab, so it can sit beside the notebook.
            "new_browser_tab": False,
        },
    })


def _jupyter_server_extension_points():
    return [{"module": "workshop_videoserver"}]


def _load_jupyter_server_extension(serverapp):
    log = serverapp.log
    root = os.path.abspath(os.path.expanduser(serverapp.root_dir))
    try:
        copied = copy_workshop(os.environ.get("WORKSHOP_SOURCE", "").strip() or DEFAULT_SOURCE, os.path.join(root, WORKSHOP_FOLDER))
        if copied:
            log.info("workshop: copied the notebooks into %s", copied)
    except OSError as e:
        log.error("workshop: could not copy the notebooks into %s: %s", root, e)
    try:
        url = start_server(log)
    except (OSError, RuntimeError, ValueError) as e:
        log.error("workshop: the video server did not start: %s", e)
        return
    base = serverapp.base_url.rstrip("/")
    log.info("workshop: video server at %s for this attendee's kernels; in the browser: %s/video-api/docs", url, base)


def copy_workshop(src, dst):
    """Copies the workshop from src to dst unless dst exists. Returns dst if
    it copied, None if there was nothing to do."""
    if os.path.exists(dst) or not os.path.isdir(src):
        return None

    top = os.path.abspath(src)

    def ignore(folder, names):
        skip = set()
        for n in names:
            path = os.path.join(folder, n)
            if n.startswith(".") or n.endswith("_test.go"):
                skip.add(n)
            elif os.path.isdir(path) and (
                n in SKIP_ANYWHERE
                or (os.path.abspath(folder) == top and n in SKIP_TOP)
                or os.path.relpath(path, top) in SKIP_PATHS
            ):
                skip.add(n)
        return skip

    tmp = dst + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, ignore=ignore, symlinks=False)
    os.rename(tmp, dst)  # a half-done copy never looks like a finished one
    return dst


def _die_with_parent():
    """Runs in the child before exec: Linux sends it SIGTERM when the Jupyter
    server exits, however it exits (even killed)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: atexit below still stops it on a normal exit


class _UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection over a Unix socket."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def healthy(url, timeout=2):
    """Reports whether the server at url (http://host:port or
    unix:///path) answers GET /healthz with 200."""
    try:
        if url.startswith("unix://"):
            conn = _UnixHTTPConnection(url[len("unix://"):], timeout)
            try:
                conn.request("GET", "/healthz")
                return conn.getresponse().status == 200
            finally:
                conn.close()
        with urllib.request.urlopen(url + "/healthz", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


def _program():
    program = os.environ.get("WORKSHOP_VIDEO_SERVER_BIN", "").strip() or shutil.which(SERVER_PROGRAM)
    if not program:
        raise RuntimeError(f"{SERVER_PROGRAM} is not on PATH (set WORKSHOP_VIDEO_SERVER_BIN)")
    return program


def _launch(program, addr, url):
    """Starts the server and waits until it answers; returns its process."""
    env = dict(os.environ, VIDEO_SERVER_ADDR=addr)
    p = subprocess.Popen([program], env=env, stdin=subprocess.DEVNULL,
                         preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        code = p.poll()
        if code is not None:
            raise RuntimeError(f"{program} exited with status {code} (is {addr} taken?)")
        if healthy(url):
            return p
        if time.monotonic() > deadline:
            p.kill()
            p.wait()
            raise RuntimeError(f"{program} did not answer at {url}/healthz within {START_TIMEOUT:.0f} s")
        time.sleep(0.1)


def start_server(log=None):
    """Starts the server program, waits until it answers /healthz and
    returns its URL. It is stopped when this process exits, and started
    again if it dies before (see supervise)."""
    global _process
    addr, url, _ = server_address()
    program = _program()
    _stopping.clear()
    with _lock:
        _process = _launch(program, addr, url)
    atexit.register(stop_server)
    threading.Thread(target=supervise, args=(program, addr, url, log), name="workshop-video-server", daemon=True).start()
    return url


def supervise(program, addr, url, log=None):
    """Starts the server again whenever it dies, until stop_server, at most
    RESTARTS_PER_MINUTE times a minute."""
    say = log.warning if log else (lambda msg, *a: print("workshop: " + (msg % a), file=sys.stderr))
    restarts = []
    while not _stopping.is_set():
        p = _process
        code = p.wait()
        if _stopping.is_set():
            return
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < 60] + [now]
        if len(restarts) > RESTARTS_PER_MINUTE:
            say("the video server exited (status %s) %d times within a minute; not starting it again. "
                "Stop and start your server from the hub's home page (File > Hub Control Panel) to restart it.",
                code, len(restarts))
            return
        say("the video server exited (status %s); starting it again", code)
        if _stopping.wait(RESTART_PAUSE):
            return
        try:
            with _lock:
                if _stopping.is_set():
                    return
                globals()["_process"] = _launch(program, addr, url)
        except (OSError, RuntimeError) as e:
            say("the video server did not start again: %s", e)
            return


def stop_server():
    """Stops the server (SIGTERM: it lets requests in flight finish)."""
    _stopping.set()
    with _lock:
        p = _process
    if p is None or p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
