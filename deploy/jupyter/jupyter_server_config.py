# Jupyter server configuration of the workshop's single-user environment:
# the single-user image (JupyterHub, Binder, docker compose) and the
# one-machine classroom hub put this folder on JUPYTER_CONFIG_PATH.
# Everything it does is in workshop_videoserver.py beside it; under a hub
# with a class board, workshop_board.py also reports to the board;
# workshop_nodump.py makes the server non-dumpable, so that its own account
# cannot attach to it.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import workshop_board  # noqa: E402
import workshop_nodump  # noqa: E402
import workshop_videoserver  # noqa: E402

workshop_videoserver.configure(c)  # noqa: F821 (c is given by Jupyter)
workshop_board.configure(c)  # noqa: F821
workshop_nodump.configure()
