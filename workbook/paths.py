"""Where things live: shipped content, notebooks, templates and the workbook home."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "REJECTION_WORKBOOK_HOME"
TOKEN_ENV = "REJECTION_WORKBOOK_TOKEN"  # the app server's token, handed over privately (workbook.server)
PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    """A top-level project folder: inside the wheel, or beside the package in a checkout."""
    installed = PACKAGE_DIR / "_shipped" / name
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / name


def data_dir() -> Path:
    """The shipped content folder (emotions, traits, prompts, demo)."""
    return _shipped("data")


def notebooks_dir() -> Path:
    """The folder holding the stage notebooks that Voilà and JupyterLab open."""
    return _shipped("notebooks")


def jupyter_data_dir() -> Path:
    """A Jupyter data folder holding our Voilà template (added to JUPYTER_PATH)."""
    return PACKAGE_DIR / "jupyter_data"


def default_home() -> Path:
    """The platform's per-user data folder for workbooks."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("rejection-workbook", appauthor=False))


def home_dir(override: str | os.PathLike | None = None) -> Path:
    """The workbook home: an explicit override, else $REJECTION_WORKBOOK_HOME, else the default."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return default_home()
