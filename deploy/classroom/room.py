"""The room moment: every attendee's kernels on one mock server the room shares.

Each attendee has a mock server of their own (a Unix socket in their home).
For the room moment the host points every attendee's kernels at one shared
server instead, so that "everyone run the 100-at-once cell now" fills one
queue, and the projected dashboard shows it split by attendee (the workshop's
client names the attendee in a header). The shared server runs for the whole
class; the mode only says where a kernel starts:

    sudo make classroom-room MODE=on      # kernels started from now on use the room's server
    sudo make classroom-room MODE=off     # ... their own server again (the default)
    sudo make classroom-room MODE=reset   # zero the room's counters, empty its queues
    sudo make classroom-room              # which mode, and the room's server's state

An attendee restarts their kernel (Kernel > Restart) to switch; no cell
changes. The kernel's launcher (deploy/jupyter/kernelguard) reads the room
file, CLASSROOM_DIR/room/url: while it holds the shared server's URL, a
kernel's VIDEO_API_URL is that.

Layout, with walls (as root):

    room/          0750 root:ROOM      the room file (url, 0640), written by root only
    room/server/   0750 ROOM:ROOM      the shared server's socket (video.sock, 0660)

ROOM (CLASSROOM_ACCOUNT_PREFIX + "_room", a name no attendee can have: theirs
start with a letter) is the account the shared server runs as, and its group
is the class's: every attendee's account joins it when their server starts.
So every attendee reaches the shared server, nobody else on the machine does,
and nobody but root writes the room file. The server runs shared
(VIDEO_SERVER_SHARED): PATCH and POST /stats/reset only from root or its own
account, so attendees can read and load it but not change its data or reset
what the room sees. The host's view is the hub service "room":
/services/room/dashboard, for hub admins only (JupyterHub's OAuth).
"""

import grp
import http.client
import os
import pwd
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import accounts  # noqa: E402
import classroom  # noqa: E402

# Where the room lives in CLASSROOM_DIR, and its names.
FOLDER = "room"
SOCKET = "video.sock"
ACCOUNT_SUFFIX = "_room"
SERVICE = "room"
SERVER_SERVICE = "room-server"
# Requests the shared server lets wait per gate, per server the hub may run:
# the room moment queues 100 per attendee; beyond this many, 503.
MAX_WAITING_PER_ATTENDEE = 200
# How long a host command waits for the shared server.
TIMEOUT = 5.0


class Room:
    """The room of a classroom: its folders, account and services."""

    def __init__(self, s):
        self.s = s
        self.dir = os.path.join(s.dir, FOLDER)
        self.server_dir = os.path.join(self.dir, "server")
        self.socket = os.path.join(self.server_dir, SOCKET)
        self.url_file = os.path.join(self.dir, "url")
        self.url = "unix://" + self.socket
        self.account = s.prefix + ACCOUNT_SUFFIX if s.walls in ("on", "off") else None

    def prepare(self):
        """Makes the room's folders and account; the mode starts off (each
        attendee on their own server). Run by the hub as it starts."""
        self.switch(False)
        if self.account is None:
            classroom.makedirs(self.dir, 0o700)
            classroom.makedirs(self.server_dir, 0o700)
            return
        pw = classroom.ensure_account(self.s, self.account, self.server_dir)
        classroom.makedirs(self.dir, 0o750, (0, pw.pw_gid))
        classroom.makedirs(self.server_dir, 0o750, (pw.pw_uid, pw.pw_gid))

    def admit(self, pw):
        """Lets an attendee's account (a pwd entry) reach the shared server:
        it joins the room's group, for the servers it starts from now on.
        Spawns run side by side, and two gpasswd at once can lose one's
        change: one at a time, checked."""
        if self.account is None:
            return
        gid = pwd.getpwnam(self.account).pw_gid
        with accounts._account_lock:
            for attempt in range(5):
                group = grp.getgrgid(gid)
                if pw.pw_name in group.gr_mem:
                    return
                r = subprocess.run(["gpasswd", "--add", pw.pw_name, group.gr_name], capture_output=True, text=True)
                if r.returncode != 0 and ("lock" not in r.stderr or attempt == 4):
                    raise classroom.ClassroomError(f"gpasswd --add {pw.pw_name} {group.gr_name}: {r.stderr.strip()}")
                time.sleep(0.2 * attempt)
        raise classroom.ClassroomError(f"{pw.pw_name} did not join the group {grp.getgrgid(gid).gr_name}")

    def env(self):
        """What an attendee's server passes to its kernels' launcher."""
        return {"WORKSHOP_ROOM_FILE": self.url_file}

    def services(self, server_program, environ=os.environ):
        """The hub's services: the shared server, and the host's view of it."""
        scale = environ.get("CLASSROOM_ROOM_LATENCY_SCALE", "").strip() or environ.get("VIDEO_SERVER_LATENCY_SCALE", "")
        server_env = {
            "VIDEO_SERVER_ADDR": "unix:" + self.socket,
            "VIDEO_SERVER_SHARED": "true",
            "VIDEO_SERVER_MAX_WAITING": str(MAX_WAITING_PER_ATTENDEE * self.s.max_servers),
            "WORKSHOP_CLASSROOM_DIR": self.s.dir,
        }
        if scale:
            server_env["VIDEO_SERVER_LATENCY_SCALE"] = scale
        server = {"name": SERVER_SERVICE, "command": [server_program], "environment": server_env,
                  "cwd": self.server_dir, "display": False}
        if self.account:
            server["user"] = self.account
            server_env["VIDEO_SERVER_SOCKET_GROUP"] = self.account
            # Attendees are counted by their account (wsa-alice: alice), never
            # by the name a request gives.
            server_env["VIDEO_SERVER_ACCOUNT_PREFIX"] = self.s.prefix
        view = {
            "name": SERVICE,
            "url": f"http://127.0.0.1:{classroom_free_port()}",
            "command": [sys.executable, os.path.join(HERE, "room_dashboard.py")],
            "environment": {"WORKSHOP_ROOM_SOCKET": self.socket, "WORKSHOP_CLASSROOM_DIR": self.s.dir},
            "oauth_no_confirm": True,
            "display": True,
        }
        return [server, view]

    def switch(self, on):
        """Writes (on) or removes (off) the room file."""
        if not on:
            try:
                os.remove(self.url_file)
            except FileNotFoundError:
                pass
            return
        tmp = self.url_file + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.url + "\n")
        if self.account:
            os.chown(tmp, 0, pwd.getpwnam(self.account).pw_gid)
            os.chmod(tmp, 0o640)
        os.replace(tmp, self.url_file)

    def is_on(self):
        return os.path.exists(self.url_file)

    def ask(self, method, path):
        """Sends a request to the shared server as this process (the host);
        returns (status, body)."""
        conn = http.client.HTTPConnection("localhost", timeout=TIMEOUT)
        conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.sock.settimeout(TIMEOUT)
        try:
            conn.sock.connect(self.socket)
            conn.request(method, path)
            r = conn.getresponse()
            return r.status, r.read().decode(errors="replace")
        finally:
            conn.close()


def forget(accounts):
    """After the class's accounts (pwd entries, now deleted) are gone:
    removes the room's group, which userdel leaves while attendees are
    still its members."""
    for pw in accounts:
        if not pw.pw_name.endswith(ACCOUNT_SUFFIX):
            continue
        try:
            name = grp.getgrgid(pw.pw_gid).gr_name
        except KeyError:
            continue
        r = subprocess.run(["groupdel", name], capture_output=True, text=True)
        if r.returncode != 0:
            raise classroom.ClassroomError(f"groupdel {name}: {r.stderr.strip()}")


def classroom_free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv):
    """The host's command: on, off, reset, or the state."""
    what = argv[1] if len(argv) > 1 else "status"
    if what not in ("on", "off", "reset", "status") or len(argv) > 2:
        print("usage: room.py [on|off|reset|status]", file=sys.stderr)
        return 2
    try:
        s = classroom.Settings()
    except classroom.ClassroomError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    room = Room(s)
    if not os.path.isdir(room.dir):
        print(f"error: no class runs in {s.dir} (start one with `make classroom`)", file=sys.stderr)
        return 1
    try:
        if what in ("on", "off"):
            room.switch(what == "on")
        elif what == "reset":
            status, body = room.ask("POST", "/stats/reset")
            if status != 200:
                print(f"error: the room's server answered {status}: {body}", file=sys.stderr)
                return 1
        status, _ = room.ask("GET", "/healthz")
    except OSError as e:
        print(f"error: the room's server at {room.socket} does not answer: {e}", file=sys.stderr)
        return 1
    mode = "on: kernels started from now on use the room's server" if room.is_on() else "off: every attendee's kernels use their own server"
    print(f"room mode {mode}; the room's server {'answers' if status == 200 else 'answers ' + str(status)}, "
          f"its dashboard is <hub>/services/{SERVICE}/dashboard (hub admins only)")
    if what in ("on", "off"):
        print("attendees restart their kernel (Kernel > Restart Kernel) to switch")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
