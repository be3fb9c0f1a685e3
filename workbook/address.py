"""Where a workbook folder's app is served: its port and private token, kept from run to run.

The app's address stays the same from run to run, so a bookmark keeps working: each workbook
folder keeps its port (DEFAULT_PORT the first time, when it is free) and its token in a file
only its owner can read (`serve` chooses and keeps them: workbook/cli.py). `app_url` is the
address without the token, for links that leave the app (a calendar's reminder): on a practice
server, the person's own app under the hub's public address.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from . import portable
from .files import atomic_write

APP_PATH = "voila/render/app.ipynb"
DEFAULT_PORT = 8877
ADDRESS_FILE = "address.json"


@dataclass
class Address:
    """Where a workbook folder's app is served: its port and its private token."""

    port: int | None
    token: str


def _good_token(token: object) -> bool:
    return isinstance(token, str) and len(token) >= 24 and token.replace("-", "").replace("_", "").isalnum()


def read_address(folder: Path) -> Address:
    """The folder's kept address; a new token (and no port yet) when there is none, or when
    the file could have been read by anyone else (then the token may be known)."""
    path = folder / ADDRESS_FILE
    try:
        with open(path, encoding="utf-8") as file:
            info = os.fstat(file.fileno())
            kept = json.load(file)
        private = not portable.POSIX or (info.st_mode & 0o077 == 0 and info.st_uid == os.getuid())
    except (OSError, ValueError):
        kept, private = {}, False
    port = kept.get("port") if isinstance(kept, dict) else None
    port = port if isinstance(port, int) and 1 <= port <= 65535 else None
    token = kept.get("token") if isinstance(kept, dict) and private else None
    return Address(port, token if _good_token(token) else secrets.token_urlsafe(24))


def keep_address(folder: Path, address: Address) -> None:
    """Write the address file, readable and writable by its owner only (0600)."""
    atomic_write(folder / ADDRESS_FILE, json.dumps({"port": address.port, "token": address.token}))


def app_url(folder: Path) -> str | None:
    """The app's address for `folder`'s workbooks, without its token; None when not known (a
    practice server that doesn't say its public address)."""
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "").strip()
    if prefix:  # on a practice server: the person's own server, under the hub's address
        # JupyterHub gives each server its own public address, prefix included
        # ("https://practice.example/user/sam/"), and only when the hub's public_url is set
        public = os.environ.get("JUPYTERHUB_PUBLIC_URL", "").strip().rstrip("/")
        if not public:
            return None
        mine = "/" + prefix.strip("/")
        if not urllib.parse.urlsplit(public).path.rstrip("/").endswith(mine):
            public += mine  # an address of the hub alone (set by hand): the server's under it
        return f"{public}/{APP_PATH}"
    return f"http://127.0.0.1:{read_address(folder).port or DEFAULT_PORT}/{APP_PATH}"
