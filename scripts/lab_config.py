# JupyterLab's configuration for `make lab` (scripts/lab.sh passes it with
# --config). JupyterLab opens on notebooks/, where the lessons sit beside the
# Go packages and tests that check them: its file browser shows the lessons.
c = get_config()  # noqa: F821 (given by Jupyter)

c.ContentsManager.hide_globs = [
    # Jupyter's own defaults.
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".DS_Store",
    "*~",
    # The notebooks' checks (see notebooks/README.md).
    "*_test.go",
    "browsercheck",
    "cellbench",
    "cellimports",
    "ipynb",
    "kernelclient",
    "nbrun",
]
