"""The "Raise my hand" page of an attendee's Jupyter server.

A small web app on a Unix socket that only the attendee's account can open;
jupyter-server-proxy serves it at <server>/raise-hand/ to the attendee's
browser (and to the host's, who may open the attendee's server), after the
hub's login. Its buttons send a hand report to the class board with the
attendee's own token (workshop_board.Reporter).
"""

import asyncio
import os

import tornado.httpserver
import tornado.netutil
import tornado.web

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Raise my hand</title>
<style>
 body { font: 18px/1.4 system-ui, sans-serif; margin: 2em; max-width: 32em; }
 button { font: inherit; padding: .5em 1.2em; margin-right: .5em; }
 #state { margin-top: 1em; font-weight: bold; }
</style></head>
<body>
<h1>Ask for help</h1>
<p>Raise your hand and the host sees it on the class board, beside your name, until they come
to you. Keep working meanwhile.</p>
<button id="raise">&#9995; Raise my hand</button><button id="lower">Lower my hand</button>
<p id="state" role="status">%(state)s</p>
<script>
async function send(what) {
  const r = await fetch(what, {method: "POST", headers: {"X-Workshop-Hand": "1"}});
  document.getElementById("state").textContent = (await r.json()).message;
}
document.getElementById("raise").onclick = () => send("raise");
document.getElementById("lower").onclick = () => send("lower");
</script>
</body></html>
"""

UP = "Your hand is up: the host sees it on the class board."
DOWN = "Your hand is down."
UNREACHABLE = "The class board does not answer right now: ask the host aloud."


class PageHandler(tornado.web.RequestHandler):
    async def get(self):
        answer = await asyncio.get_running_loop().run_in_executor(None, self.settings["reporter"].send, None, "GET")
        state = UNREACHABLE if answer is None else UP if answer.get("raised") else DOWN
        self.set_header("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
        self.finish(PAGE % {"state": state})


class HandHandler(tornado.web.RequestHandler):
    async def post(self, what):
        # A form of another site cannot set this header (nor send JSON
        # requests without the browser asking first).
        if self.request.headers.get("X-Workshop-Hand") != "1":
            raise tornado.web.HTTPError(403)
        raised = what == "raise"
        answer = await asyncio.get_running_loop().run_in_executor(
            None, self.settings["reporter"].send, {"kind": "hand", "raised": raised})
        if answer is None:
            self.set_status(503)
        self.finish({"raised": raised, "message": UNREACHABLE if answer is None else UP if raised else DOWN})


def serve(path, reporter):
    """Serves the page on the Unix socket path (mode 0600), replacing a
    socket an earlier server left."""
    app = tornado.web.Application([(r"/", PageHandler), (r"/(raise|lower)", HandHandler)], reporter=reporter)
    if os.path.exists(path):
        os.unlink(path)
    sock = tornado.netutil.bind_unix_socket(path, mode=0o600)
    server = tornado.httpserver.HTTPServer(app)
    server.add_socket(sock)
    return server
