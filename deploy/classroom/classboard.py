"""The class board of the one-machine classroom: a service the hub starts.

The board (deploy/board, the workshop-board program that scripts/classroom.sh
builds) listens on a loopback port of its own. The hub runs it with a token
whose role lets it read the users and their servers, and registers it as an
OAuth client, so that only the class's admin (the host) can open it, at
<hub>/services/board/. Each attendee's Jupyter server reports to it directly
(WORKSHOP_BOARD_URL in the attendee's environment; deploy/jupyter/workshop_board.py).

CLASSROOM_BOARD_STUCK_AFTER (a Go duration such as 5m, or 90s) is how long an
exercise may stay red before the attendee's row says "stuck".
"""

import os
import re

from settings import ClassroomError

NAME = "board"
DEFAULT_STUCK_AFTER = "5m"
# A Go duration, as the board reads it.
DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(h|m|s|ms))+$")


def stuck_after():
    """The stuck time from CLASSROOM_BOARD_STUCK_AFTER; a bad one is an error."""
    v = os.environ.get("CLASSROOM_BOARD_STUCK_AFTER", "").strip() or DEFAULT_STUCK_AFTER
    if not DURATION.match(v):
        raise ClassroomError(f"CLASSROOM_BOARD_STUCK_AFTER={v!r} is not a duration such as 5m or 90s")
    return v


class Board:
    """The board's service, role and what attendees' servers are told."""

    def __init__(self, root, port):
        self.program = os.path.join(root, ".bin", "workshop-board")
        self.url = f"http://127.0.0.1:{port}"
        # Where the board reads an attendee's notebook (the proxy), and the
        # class's certificate when it speaks TLS; set by the hub's config.
        self.servers_url, self.ca = "", ""

    def service(self):
        return {
            "name": NAME,
            "url": self.url,
            "command": [self.program],
            "environment": {"BOARD_STUCK_AFTER": stuck_after(), "BOARD_SERVERS_URL": self.servers_url,
                            **({"SSL_CERT_FILE": self.ca} if self.ca else {})},
            # The host is sent straight to the board, without the hub's
            # "authorize this application" page.
            "oauth_no_confirm": True,
            "display": True,
        }

    def role(self):
        # Enough to list the users and their servers' states, and to read an
        # attendee's notebook through their server's contents API (the board
        # itself reads only the workshop's notebooks of non-admin attendees).
        return {"name": NAME, "scopes": ["list:users", "read:users", "read:servers", "access:servers"], "services": [NAME]}

    def attendee_env(self):
        return {"WORKSHOP_BOARD_URL": f"{self.url}/services/{NAME}/"}


# A successful GET a hub service made with its own token, as tornado's access
# log words it: "200 GET /hub/api/users?limit=2000 (board@127.0.0.1) 5.85ms".
SERVICE_POLL = re.compile(r"^2\d\d GET \S+ \((?P<who>[^@()\s]+)@")


class QuietPolls:
    """A logging filter that keeps the services' routine polls out of the
    host's terminal: the board reads the hub's users every two seconds, and
    a line for each would bury the lines a host needs (sign-ups, spawns,
    errors). Failed requests, and every request of anyone else, still show."""

    def __init__(self, services):
        self.services = frozenset(services)

    def filter(self, record):
        m = SERVICE_POLL.match(record.getMessage())
        return not (m and m.group("who") in self.services)
