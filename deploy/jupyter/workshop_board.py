"""Reports an attendee's progress to the class board, and gives them a hand to raise.

Under a hub that runs the class board (deploy/board), the attendee's
Jupyter server tells the board, as they work:

* which notebook they ran a cell in, and when;
* whether an exercise's test cell (a cell with a %test line) passed or
  failed, within a second or so of the cell finishing.

It learns this by listening to the messages every kernel of the server
publishes (the IOPub channel, which any number of clients may follow, as
JupyterLab does): execute_input names the cell's code, an error message
marks it failed, and the kernel's return to idle ends it. Notebooks and
cells are untouched, and the learner sees nothing new.

Each report is sent with the attendee's own hub token
(JUPYTERHUB_API_TOKEN), from which the board learns who they are, so
nobody can report for someone else. Reports go from a thread of their own,
with a short timeout, and are dropped when the board does not answer:
with the board down, the attendee notices nothing.

"Raise my hand", a JupyterLab launcher tile, opens a small page this
server serves (through jupyter-server-proxy, on a Unix socket only its
owner can open) whose buttons raise or lower the attendee's hand on the
board.

Environment: WORKSHOP_BOARD_URL, the board's address as the attendee's
server reaches it (e.g. http://127.0.0.1:8011/services/board/); without it,
or without JUPYTERHUB_API_TOKEN, this does nothing.
"""

import asyncio
import collections
import json
import os
import re
import sys
import tempfile
import threading
import urllib.error
import urllib.request

# A report that the board has not answered within this many seconds is dropped.
REPORT_TIMEOUT = 2.0
# At most this many test and hand reports wait to be sent; more are dropped.
MAX_WAITING = 32
# How often the kernels of the server are looked for: a kernel is followed
# from its start (the server's KERNEL_ACTIONS event); the scan catches any
# kernel that event missed, and forgets the kernels that are gone.
SCAN_EVERY_MS = 1000
KERNEL_ACTIONS = "https://events.jupyter.org/jupyter_server/kernel_actions/v1"
# At most this many cells being run are remembered per kernel.
MAX_CELLS = 64
# A test cell: a line starting with %test.
TEST_LINE = re.compile(r"^\s*%test\b", re.MULTILINE)

_HERE = os.path.dirname(os.path.abspath(__file__))


def board_url():
    """The board's report address, or None if there is no board."""
    url = os.environ.get("WORKSHOP_BOARD_URL", "").strip()
    if not url or not os.environ.get("JUPYTERHUB_API_TOKEN"):
        return None
    return url.rstrip("/") + "/report"


def hand_socket():
    """The Unix socket of the hand page: in the attendee's temporary folder
    (private in the one-machine classroom, the pod's own on Kubernetes)."""
    return os.path.join(tempfile.gettempdir(), f"workshop-hand-{os.getuid()}.sock")


def configure(c):
    """Turns the reporting and the hand's launcher tile on, if there is a board."""
    if board_url() is None:
        return
    if _HERE not in sys.path:
        sys.path.insert(0, _HERE)
    c.ServerApp.jpserver_extensions.update({"jupyter_server_proxy": True, "workshop_board": True})
    c.ServerProxy.servers.update({
        "raise-hand": {
            "unix_socket": hand_socket(),
            "launcher_entry": {
                "title": "Raise my hand",
                "path_info": "raise-hand/",
                "icon_path": os.path.join(_HERE, "icons", "raise-hand.svg"),
                "category": "Other",
            },
            "new_browser_tab": False,
        },
    })


class Reporter:
    """Sends reports to the board from a thread of its own. Cell runs are
    coalesced (only the latest waits); test and hand reports wait in a
    bounded queue. Nothing it does blocks the caller."""

    def __init__(self, url, token, log):
        self.url, self.token, self.log = url, token, log
        self._cell = None
        self._queue = collections.deque(maxlen=MAX_WAITING)
        self._wake = threading.Condition()
        self._failed = False
        threading.Thread(target=self._run, name="workshop-board-reporter", daemon=True).start()

    def put(self, report):
        with self._wake:
            if report["kind"] == "cell":
                self._cell = report
            else:
                self._queue.append(report)
            self._wake.notify()

    def _run(self):
        while True:
            with self._wake:
                while self._cell is None and not self._queue:
                    self._wake.wait()
                if self._cell is not None:
                    report, self._cell = self._cell, None
                else:
                    report = self._queue.popleft()
            self.send(report)

    def send(self, report, method="POST"):
        """Sends one report (or, with GET, asks whether the hand is up);
        returns the board's JSON answer, {} for none, or None on failure."""
        data = json.dumps(report).encode() if method == "POST" else None
        req = urllib.request.Request(self.url, data=data, method=method, headers={
            "Authorization": "token " + self.token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=REPORT_TIMEOUT) as r:
                body = r.read(4096)
            if self._failed:
                self.log.info("workshop: the class board answers again")
                self._failed = False
            return json.loads(body) if body else {}
        except (OSError, ValueError) as e:
            if not self._failed:
                self.log.info("workshop: the class board did not take a report (%s); dropping reports until it does", e)
                self._failed = True
            return None


class Watcher:
    """Follows the IOPub channel of every kernel of the server: from the
    moment the kernel starts (the server's kernel_actions event), and, for
    kernels that started before, from the next scan."""

    def __init__(self, serverapp, reporter):
        self.app, self.reporter = serverapp, reporter
        self.streams = {}  # kernel id -> ZMQStream
        self.paths = {}  # kernel id -> notebook path
        self.cells = {}  # kernel id -> {msg_id: [is_test, failed]}

    async def on_kernel_action(self, logger, schema_id, data):
        kid = data.get("kernel_id")
        if kid and data.get("status") == "success" and data.get("action") in ("start", "restart"):
            self.follow(kid)

    async def refresh_paths(self):
        try:
            sessions = await self.app.session_manager.list_sessions()
        except Exception as e:  # tried again at the next scan
            self.app.log.debug("workshop: board: reading the sessions: %s", e)
            return
        self.paths = {s["kernel"]["id"]: s.get("path", "") for s in sessions if s.get("kernel")}

    async def scan(self):
        try:
            ids = set(self.app.kernel_manager.list_kernel_ids())
        except Exception as e:
            self.app.log.debug("workshop: board: listing the kernels: %s", e)
            return
        await self.refresh_paths()
        for kid in list(self.streams):
            if kid not in ids:
                self.streams.pop(kid).close()
                self.cells.pop(kid, None)
        for kid in ids - set(self.streams):
            self.follow(kid)

    def follow(self, kid):
        if kid in self.streams:
            return
        try:
            k = self.app.kernel_manager.get_kernel(kid)
            stream = k.connect_iopub()
        except Exception as e:
            self.app.log.debug("workshop: cannot follow kernel %s: %s", kid, e)
            return
        self.streams[kid] = stream
        self.cells[kid] = collections.OrderedDict()
        stream.on_recv(lambda parts, session=k.session: self.on_message(kid, session, parts))

    def report(self, kid, report):
        """Sends report with the kernel's notebook, read first if unknown
        (a kernel started a moment ago)."""
        if kid in self.paths:
            self.reporter.put(dict(report, notebook=self.paths[kid]))
            return

        async def later():
            await self.refresh_paths()
            self.reporter.put(dict(report, notebook=self.paths.get(kid, "")))
        asyncio.ensure_future(later())

    def on_message(self, kid, session, parts):
        try:
            _, parts = session.feed_identities(parts)
            msg = session.deserialize(parts, content=False)
        except Exception:
            return
        kind = msg["header"].get("msg_type")
        if kind not in ("execute_input", "error", "status"):
            return
        parent = msg["parent_header"].get("msg_id")
        cells = self.cells.get(kid)
        if parent is None or cells is None:
            return
        if kind == "error" and parent in cells:
            cells[parent][1] = True
            return
        content = msg["content"]
        try:
            content = json.loads(content if isinstance(content, (bytes, str)) else bytes(content))
        except ValueError:
            return
        if kind == "execute_input":
            cells[parent] = [bool(TEST_LINE.search(content.get("code", ""))), False]
            while len(cells) > MAX_CELLS:
                cells.popitem(last=False)
            self.report(kid, {"kind": "cell"})
        elif kind == "status" and content.get("execution_state") == "idle" and parent in cells:
            is_test, failed = cells.pop(parent)
            if is_test:
                self.report(kid, {"kind": "test", "passed": not failed})


def _jupyter_server_extension_points():
    return [{"module": "workshop_board"}]


def _load_jupyter_server_extension(serverapp):
    url = board_url()
    if url is None:
        return
    from tornado.ioloop import PeriodicCallback

    import workshop_hand

    reporter = Reporter(url, os.environ["JUPYTERHUB_API_TOKEN"], serverapp.log)
    watcher = Watcher(serverapp, reporter)
    serverapp.event_logger.add_listener(schema_id=KERNEL_ACTIONS, listener=watcher.on_kernel_action)
    PeriodicCallback(watcher.scan, SCAN_EVERY_MS).start()
    try:
        workshop_hand.serve(hand_socket(), reporter)
    except OSError as e:
        serverapp.log.error("workshop: the hand page did not start: %s", e)
    serverapp.log.info("workshop: reporting to the class board at %s", url)
