# The one-machine classroom: a real JupyterHub, started by `make classroom`
# (scripts/classroom.sh), which runs `classroom.py prepare` first and exports
# the settings (CLASSROOM_*, WORKSHOP_ROOT; see classroom.py beside this file).
#
# The door: NativeAuthenticator. Each attendee signs up with a name, a
# password of their own and the workshop code the host reads out; a name
# already taken cannot be signed up again, and logging in takes that name's
# own password. The host is an admin ("host" by default) with a password of
# their own, made for the class and kept in the state folder.
#
# The walls (as root): each attendee's Jupyter server runs as their own
# system account, in their own home, with limits (WorkshopSpawner below);
# their mock video server listens on a Unix socket in that home.
#
# Services: the idle culler stops servers nobody used for
# CLASSROOM_IDLE_TIMEOUT seconds. Another service (a class board, say) is one
# more entry in SERVICES and ROLES below.
import asyncio
import hmac
import json
import logging
import os
import resource
import shutil
import sys

import bcrypt
from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import SignUpHandler
from nativeauthenticator.orm import UserInfo
from traitlets import Unicode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import classboard  # noqa: E402
import classroom  # noqa: E402
import homes  # noqa: E402
import namespace  # noqa: E402
import room  # noqa: E402

S = classroom.Settings()
with open(os.path.join(S.state, "python.json")) as f:
    PYTHON = json.load(f)
CGROUPS = classroom.Cgroups(S) if S.walls == "on" else None
# As root: each attendee's server in a mount namespace of its own (a private
# /tmp, a /proc that shows their own processes only), where the machine
# allows it.
NAMESPACE_REFUSED = namespace.available() if S.walls in ("on", "off") else "a trial"
ROOM = room.Room(S)  # the room moment's shared server (room.py)
ROOM.prepare()

# Variables of the host's environment that attendees' servers keep: the mock
# server's settings (e.g. a smaller latency scale) and the notebooks' knobs.
PASSED_ON = [
    "VIDEO_SERVER_LATENCY_SCALE", "VIDEO_SERVER_VIDEOS", "VIDEO_SERVER_SEED",
    "VIDEO_SERVER_MAX_WAITING", "VIDEO_SERVER_LOG",
    "WORKSHOP_VIDEOS", "WORKSHOP_MODEL_WORK",
]
# ... and in a trial, Go's settings too (attendees then use the host's caches).
PASSED_ON_TRIAL = ["GOFLAGS", "GOTOOLCHAIN", "GOPROXY"]


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the door -------------------------------------------------------------------


class CodeSignUpHandler(SignUpHandler):
    """NativeAuthenticator's sign-up, open to those who know the workshop
    code the host reads out to the room."""

    async def post(self):
        code = self.get_body_argument("workshop_code", "", strip=True)
        want = classroom.normalize_code(self.authenticator.workshop_code)
        if not hmac.compare_digest(classroom.normalize_code(code).encode(), want.encode()):
            self.log.warning("sign-up refused: wrong workshop code")
            html = await self.render_template(
                "signup.html", alert="alert-danger",
                result_message="That is not this class's workshop code: ask the host for it.",
                ask_email=False, two_factor_auth=False, recaptcha_key=None, tos=None)
            self.set_status(403)
            return self.finish(html)
        return await super().post()


class WorkshopAuthenticator(NativeAuthenticator):
    """NativeAuthenticator with the host's admin account made at start (so
    nobody else can sign up under its name) and sign-up gated by the
    workshop code."""

    workshop_code = Unicode(config=True, help="the code attendees give to sign up")
    admin_password = Unicode(config=True, help="the host's password")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for admin in self.admin_users:
            info = UserInfo.find(self.db, admin)
            if info is None:
                self.db.add(UserInfo(username=admin, password=bcrypt.hashpw(self.admin_password.encode(), bcrypt.gensalt()), is_authorized=True))
            elif not bcrypt.checkpw(self.admin_password.encode(), info.password):
                info.password = bcrypt.hashpw(self.admin_password.encode(), bcrypt.gensalt())
                info.is_authorized = True
        self.db.commit()

    # The lock after failed logins is per name, so anyone could lock the host
    # out of their own class by failing the host's login on purpose. The
    # host's login is never locked: their password (100 bits, made for the
    # class) is out of reach of guessing anyway.
    def is_blocked(self, username):
        return username not in self.admin_users and super().is_blocked(username)

    def add_login_attempt(self, username):
        if username not in self.admin_users:
            super().add_login_attempt(username)

    def get_handlers(self, app):
        return [(r"/signup", CodeSignUpHandler) if path == r"/signup" else (path, handler)
                for path, handler in super().get_handlers(app)]


# --- the walls ------------------------------------------------------------------


class WorkshopSpawner(LocalProcessSpawner):
    """Runs an attendee's Jupyter server as their account (see
    classroom.Settings.account), in their home, with their limits; at stop,
    nothing of the account is left running."""

    def _account(self):
        return S.account(self.user.name)

    def _home(self):
        return S.home(self.user.name)

    def _gocache(self):
        """Their Go build cache: their own (with walls off, the class
        account's), outside their home, in a folder only root changes."""
        return os.path.join(S.gocaches, S.own(self.user.name))

    def _tmp(self):
        """Their private temporary folder: /tmp in their mount namespace."""
        if S.walls == "trial":
            return os.path.join(self._home(), ".tmp")
        return os.path.join(S.tmps, S.own(self.user.name))

    async def start(self):
        account, home = self._account(), self._home()
        loop = asyncio.get_running_loop()
        if account:
            account_home = home if S.walls == "on" else S.account_home()
            pw = await loop.run_in_executor(None, classroom.ensure_account, S, account, account_home)
            await loop.run_in_executor(None, ROOM.admit, pw)
            if S.walls == "on":
                # Whatever an earlier server of theirs left is ended first.
                await loop.run_in_executor(None, classroom.kill_all_of, pw)
            owner = (pw.pw_uid, pw.pw_gid)
            # Root makes nothing inside the home (homes.py): only the home
            # itself, in homes/, which only root changes.
            classroom.makedirs(home, 0o700, owner)
            for folder in (S.gocaches, S.tmps):
                classroom.makedirs(folder, 0o711, (0, 0))
            await loop.run_in_executor(None, homes.seed_go_cache, PYTHON["gocache_seed"], self._gocache(), owner)
            homes.private_folder(S.tmps, S.own(self.user.name), owner)
            self._procs = await loop.run_in_executor(None, CGROUPS.create, account) if CGROUPS else []
        else:
            classroom.makedirs(home, 0o700)
            self._procs = []
        return await super().start()

    def make_preexec_fn(self, name):
        account, home = self._account(), self._home()
        if account is None:
            def chdir_home():
                os.makedirs(self._tmp(), 0o700, exist_ok=True)
                os.chdir(home)
                homes.attendee_defaults(home)
            return chdir_home
        drop = set_user_setuid(account, chdir=False)

        def then():
            drop()
            os.chdir(home)
            # Written as the attendee, never as root.
            homes.attendee_defaults(home)
        rlimits = {resource.RLIMIT_FSIZE: S.file_limit}
        if S.walls == "on":
            rlimits[resource.RLIMIT_NPROC] = S.pids
        return classroom.preexec_for(self._procs, rlimits, "" if NAMESPACE_REFUSED else self._tmp(), then)

    def user_env(self, env):
        account = self._account()
        env["USER"] = account or os.environ.get("USER", "")
        env["HOME"] = self._home()
        env["SHELL"] = "/bin/bash"
        return env

    def get_env(self):
        env = super().get_env()
        home = self._home()
        for name in PASSED_ON + (PASSED_ON_TRIAL if S.walls == "trial" else []):
            if name in os.environ:
                env[name] = os.environ[name]
        venv_bin = os.path.join(PYTHON["venv"], "bin")
        go_bin = os.path.dirname(shutil.which("go") or "/usr/local/go/bin/go")
        env.update({
            "PATH": os.pathsep.join([os.path.join(S.share, "bin"), venv_bin, go_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
            # The start mechanism of the single-user image, and its inputs.
            "JUPYTER_CONFIG_PATH": os.path.join(S.share, "config"),
            "JUPYTER_PATH": os.path.join(S.share, "jupyter"),
            "WORKSHOP_SOURCE": os.path.join(S.share, "src"),
            "WORKSHOP_VIDEO_SERVER_BIN": os.path.join(S.share, "bin", "workshop-server"),
            # Their own server, on a socket in their home: no one else's.
            "VIDEO_SERVER_ADDR": "unix:" + os.path.join(home, ".video-server.sock"),
            "TMPDIR": self._tmp() if S.walls == "trial" or NAMESPACE_REFUSED else "/tmp",
            # Marks every process of the classroom, so that what is left
            # running after it stops can be found.
            "WORKSHOP_CLASSROOM_DIR": S.dir,
            **ROOM.env(),
        })
        # Where their server reports their progress (classboard.py).
        env.update(BOARD.attendee_env())
        if PYTHON.get("ld_library_path"):
            env["LD_LIBRARY_PATH"] = PYTHON["ld_library_path"]
        if S.walls in ("on", "off"):
            env.update(classroom.attendee_go_env(S))
            env["GOCACHE"] = self._gocache()
        else:
            env.update(classroom.go_env("GOCACHE", "GOMODCACHE"))
        return env

    async def stop(self, now=False):
        # SIGTERM, never SIGINT first: a Jupyter server without a terminal
        # dies of SIGINT at once and leaves its kernels running, while on
        # SIGTERM it shuts them down before it exits.
        await super().stop(now=True)
        if S.walls == "on":
            # Nothing of the attendee outlives their server.
            import pwd

            loop = asyncio.get_running_loop()
            try:
                pw = pwd.getpwnam(self._account())
            except KeyError:
                return
            left = await loop.run_in_executor(None, classroom.kill_all_of, pw)
            if left:
                self.log.warning("%d processes of %s would not die", left, pw.pw_name)
            if CGROUPS:
                CGROUPS.remove(pw.pw_name)


# --- the hub --------------------------------------------------------------------

scheme = "https" if S.tls else "http"
host = S.listen if ":" not in S.listen else f"[{S.listen}]"
c.JupyterHub.bind_url = f"{scheme}://{host}:{S.port}"  # noqa: F821 (c is given by JupyterHub)
if S.tls:
    cert, key = classroom.ensure_certificate(S)
    c.JupyterHub.ssl_cert = cert
    c.JupyterHub.ssl_key = key
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{free_port()}"
BOARD = classboard.Board(S.root, free_port())
BOARD.servers_url = f"{scheme}://{'127.0.0.1' if S.listen in ('0.0.0.0', '::') else host}:{S.port}/"
BOARD.ca = cert if S.tls else ""
c.ConfigurableHTTPProxy.command = [os.path.join(S.root, "deploy", "classroom", "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(S.state, "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(S.state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(S.state, "cookie_secret")
c.JupyterHub.pid_file = os.path.join(S.state, "jupyterhub.pid")
# Stopping the hub stops every attendee's server (and with it their kernels
# and mock server).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.active_server_limit = S.max_servers
c.JupyterHub.template_paths = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")]

c.JupyterHub.authenticator_class = WorkshopAuthenticator
c.WorkshopAuthenticator.workshop_code = classroom.read_secret(os.path.join(S.state, "workshop-code"))
c.WorkshopAuthenticator.admin_password = classroom.read_secret(os.path.join(S.state, "admin-password"))
c.Authenticator.admin_users = {S.admin}
# Who signed up with the code may log in (NativeAuthenticator checks that
# each user signed up and is authorized).
c.Authenticator.allow_all = True
c.NativeAuthenticator.open_signup = True
c.NativeAuthenticator.minimum_password_length = 8
c.NativeAuthenticator.check_common_password = True
# Five wrong passwords for a name, then two minutes' wait (the host's name
# excepted: see WorkshopAuthenticator).
c.NativeAuthenticator.allowed_failed_logins = 5
c.NativeAuthenticator.seconds_before_next_try = 120
# Names become account and folder names.
c.Authenticator.username_pattern = classroom.NAME_PATTERN



def landing(handler):
    """Where a login lands: the host on the admin page (not on a server of
    their own, which a full class would refuse), attendees on their
    server (JupyterHub's default)."""
    user = handler.current_user
    return handler.hub.base_url + "admin" if user is not None and user.admin else ""


c.JupyterHub.default_url = landing
c.JupyterHub.spawner_class = WorkshopSpawner
# An attendee's own Jupyter configuration (~/.jupyter, ~/.local/share/jupyter)
# is never loaded: the server's settings (its security headers, its
# extensions) are the host's alone.
c.Spawner.disable_user_config = True
c.Spawner.cmd = [os.path.join(PYTHON["venv"], "bin", "jupyterhub-singleuser")]
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.default_url = "/lab/tree/workshop/notebooks/00_start_here.ipynb"
c.Spawner.start_timeout = 120
# How often the hub checks that each server still runs: a server that died
# stops being routed to within this time, so its port is not left routed
# for long to whatever binds it next (JupyterHub's default is 30 s).
POLL_INTERVAL = 10
c.Spawner.poll_interval = POLL_INTERVAL
c.Spawner.http_timeout = 120
# Time for an attendee's server to shut its kernels down (then SIGKILL).
c.WorkshopSpawner.term_timeout = 30

# Services of the hub: each a command the hub runs (as root, with a token of
# its own in its environment, readable by root alone) and the role that
# says what it may do.
SERVICES = [
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={S.idle_timeout}",
                    f"--cull-every={max(30, S.idle_timeout // 10)}"],
    },
    BOARD.service(),
]
ROLES = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
    BOARD.role(),
]
SERVICES += ROOM.services(os.path.join(S.share, "bin", "workshop-server"))
c.JupyterHub.services = SERVICES
# The services' polls every few seconds stay out of the host's terminal.
logging.getLogger("tornado.access").addFilter(classboard.QuietPolls(svc["name"] for svc in SERVICES))
c.JupyterHub.load_roles = ROLES
