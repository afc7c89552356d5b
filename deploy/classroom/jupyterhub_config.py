# The one-machine classroom: a real JupyterHub on loopback, started by
# `make classroom` (scripts/classroom.sh), which sets the environment below.
#
# Each attendee logs in with any name and the shared workshop password, and
# gets their own Jupyter server as a local process, with their own home
# folder (homes/<name> under the classroom folder), their own copy of the
# notebooks and their own mock video server on a free port. The copy and the
# server come from the same start mechanism as the single-user image
# (deploy/jupyter). This is for a class on one machine the host controls: all
# attendees run as the same system user, so they are not isolated from each
# other the way Kubernetes pods are (see docs/classroom.md).
#
#   CLASSROOM_DIR        state: database, cookie secret, homes/, logs (required)
#   CLASSROOM_PORT       the hub's port on 127.0.0.1 (required; never 8000)
#   CLASSROOM_PASSWORD   the shared password, at least 8 characters (required)
#   WORKSHOP_ROOT        the repository (required)
import os
import socket
import subprocess

from jupyterhub.spawner import SimpleLocalProcessSpawner


def required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise SystemExit(f"classroom: {name} is not set (start the classroom with `make classroom`)")
    return value


ROOT = required("WORKSHOP_ROOT")
STATE = required("CLASSROOM_DIR")
PORT = int(required("CLASSROOM_PORT"))
PASSWORD = required("CLASSROOM_PASSWORD")
HOMES = os.path.join(STATE, "homes")

# Variables of the host's environment that attendees' servers keep: the mock
# server's settings (e.g. a smaller latency scale), Go's build settings and
# the notebooks' knobs.
PASSED_ON = [
    "VIDEO_SERVER_LATENCY_SCALE", "VIDEO_SERVER_VIDEOS", "VIDEO_SERVER_SEED",
    "VIDEO_SERVER_MAX_WAITING", "VIDEO_SERVER_LOG",
    "WORKSHOP_VIDEOS", "WORKSHOP_MODEL_WORK", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def go_env(*names):
    out = subprocess.run(["go", "env", *names], check=True, capture_output=True, text=True).stdout
    return dict(zip(names, out.splitlines()))


# Every attendee shares the host's Go caches: the module cache (so nothing
# is downloaded) and the build cache (so a cell compiles what changed only).
GO = go_env("GOCACHE", "GOMODCACHE")


class WorkshopSpawner(SimpleLocalProcessSpawner):
    """Runs an attendee's Jupyter server as a local process in their own home
    folder, with their own mock video server port."""

    ports_in_use = {}  # attendee name -> port of their mock server

    def mock_server_port(self):
        port = self.ports_in_use.get(self.user.name)
        while port is None or port in (p for n, p in self.ports_in_use.items() if n != self.user.name):
            port = free_port()
        self.ports_in_use[self.user.name] = port
        return port

    async def stop(self, now=False):
        # SIGTERM, never SIGINT first: a Jupyter server without a terminal
        # dies of SIGINT at once and leaves its kernels running, while on
        # SIGTERM it shuts them down before it exits.
        return await super().stop(now=True)

    def get_env(self):
        env = super().get_env()
        for name in PASSED_ON:
            if name in os.environ:
                env[name] = os.environ[name]
        env.update({
            "PATH": os.pathsep.join([os.path.join(ROOT, ".venv", "bin"), os.path.join(ROOT, ".bin"), os.environ.get("PATH", "")]),
            # The start mechanism of the single-user image, and its inputs.
            "JUPYTER_CONFIG_PATH": os.path.join(ROOT, "deploy", "jupyter"),
            "WORKSHOP_SOURCE": ROOT,
            "WORKSHOP_VIDEO_SERVER_BIN": os.path.join(ROOT, ".bin", "workshop-server"),
            "VIDEO_SERVER_ADDR": f"127.0.0.1:{self.mock_server_port()}",
            # The GoNB kernel is installed in the repository.
            "JUPYTER_PATH": os.path.join(ROOT, ".jupyter"),
            "GOCACHE": GO["GOCACHE"],
            "GOMODCACHE": GO["GOMODCACHE"],
            # Marks every process of the classroom, so that what is left
            # running after it stops can be found.
            "WORKSHOP_CLASSROOM_DIR": STATE,
        })
        return env


c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.command = [os.path.join(ROOT, "deploy", "classroom", "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "cookie_secret")
c.JupyterHub.pid_file = os.path.join(STATE, "jupyterhub.pid")
# Stopping the hub stops every attendee's server (and with it their kernels
# and mock server).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = PASSWORD
c.Authenticator.allow_all = True
# Names become folder names: lowercase letters, digits, '-', '_' and '.', not
# starting with '.'.
c.Authenticator.username_pattern = r"^[a-z0-9][a-z0-9_.-]{0,31}$"

c.JupyterHub.spawner_class = WorkshopSpawner
c.WorkshopSpawner.home_dir_template = os.path.join(HOMES, "{username}")
c.Spawner.cmd = ["jupyterhub-singleuser"]
if os.geteuid() == 0:
    c.Spawner.args = ["--allow-root"]  # e.g. in a container
c.Spawner.default_url = "/lab/tree/workshop/notebooks/00_start_here.ipynb"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Time for an attendee's server to shut its kernels down (then SIGKILL).
c.WorkshopSpawner.term_timeout = 30
