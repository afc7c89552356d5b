"""The host's view of the room's shared mock server: a JupyterHub service.

The hub runs it (room.py's "room" service) and routes /services/room/ to it.
Only hub admins get in: JupyterHub's OAuth, where a user needs the scope
access:services!service=room, which the admin role has and attendees do not.
It passes GET requests (the dashboard, its live stream, /stats, the docs) to
the shared server's Unix socket, event by event for the stream, and the
dashboard's "Reset counters" (POST stats/reset) when the page itself sends it.
As root, its requests are the host's: the shared server accepts the reset.
"""

import os
import socket
import sys

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import httpclient, httputil, ioloop, web
from tornado.iostream import StreamClosedError
from tornado.netutil import Resolver

# A live stream stays open as long as the page; a plain request is short.
STREAM_TIMEOUT = 12 * 3600.0
REQUEST_TIMEOUT = 30.0
# Headers of the server's answer passed on to the browser.
PASSED_HEADERS = ("Content-Type", "Cache-Control", "Retry-After")


class SocketResolver(Resolver):
    """Resolves every host name to the shared server's Unix socket."""

    def initialize(self, path):
        self.path = path

    async def resolve(self, host, port, family=socket.AF_UNSPEC):
        return [(socket.AF_UNIX, self.path)]


class ProxyHandler(HubOAuthenticated, web.RequestHandler):
    """Passes a request to the shared server, streaming its answer."""

    def initialize(self, client):
        self.client = client
        self.status_line_seen = False

    def check_xsrf_cookie(self):
        # The dashboard's reset button posts without a token; a browser
        # says where a request comes from, and only the page itself may.
        if self.request.headers.get("Sec-Fetch-Site", "") != "same-origin":
            raise web.HTTPError(403, "a reset must come from the dashboard page")

    @web.authenticated
    async def get(self, path):
        if path == "":
            return self.redirect("dashboard")
        await self.forward("GET", path, STREAM_TIMEOUT if path.startswith("stats/stream") else REQUEST_TIMEOUT)

    @web.authenticated
    async def post(self, path):
        if path != "stats/reset":
            raise web.HTTPError(405)
        await self.forward("POST", path, REQUEST_TIMEOUT)

    async def forward(self, method, path, timeout):
        query = ("?" + self.request.query) if self.request.query else ""
        req = httpclient.HTTPRequest(
            "http://room/" + path + query, method=method, body=b"" if method == "POST" else None,
            request_timeout=timeout, header_callback=self.on_header, streaming_callback=self.on_chunk)
        try:
            await self.client.fetch(req, raise_error=False)
        except StreamClosedError:
            return  # the page went away
        except OSError as e:
            raise web.HTTPError(502, f"the room's server does not answer: {e}") from None
        if not self._finished:
            self.finish()

    def on_header(self, line):
        line = line.strip()
        if not self.status_line_seen:
            self.status_line_seen = True
            self.set_status(httputil.parse_response_start_line(line).code)
            return
        if ":" in line:
            name, value = line.split(":", 1)
            if name.strip().title() in PASSED_HEADERS:
                self.set_header(name.strip(), value.strip())

    def on_chunk(self, chunk):
        self.write(chunk)
        self.flush()  # the stream's events reach the page as they come


def main():
    sock = os.environ["WORKSHOP_ROOM_SOCKET"]
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/room/")
    url = os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:8020")
    client = httpclient.AsyncHTTPClient(force_instance=True, resolver=SocketResolver(path=sock), max_clients=100)
    app = web.Application([
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
        (url_path_join(prefix, "(.*)"), ProxyHandler, {"client": client}),
    ], cookie_secret=os.urandom(32))
    host_port = url.split("//", 1)[1]
    host, _, port = host_port.rpartition(":")
    app.listen(int(port.strip("/")), address=host)
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    sys.exit(main())
