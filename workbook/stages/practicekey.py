"""A therapist's practice key as the practice page shows it: whether there is one, whether
it is locked under a passphrase of its own, and when it was last backed up."""

from __future__ import annotations

import datetime as dt
import json
import os

from ..hub import crypto
from ..store import Home

BACKUP_FILE = "practice-key-backup.rwkey"
BACKUP_MARK = "hub-key-backed-up.json"  # in the home: which key was last backed up, and when


def key_facts(home: Home) -> dict | None:
    """The practice key in `home` as the page shows it: {"fingerprint", "locked"} (kept under
    a passphrase of its own); None when no key has been made; "fingerprint" None when the
    key file can't be read."""
    try:
        public = crypto.read_public(home.path)
    except crypto.CryptoError:
        return {"fingerprint": None, "locked": False}
    if public is None:
        return None
    try:
        crypto.load_key(home.path)
        locked = False
    except crypto.CryptoError as exc:
        locked = exc.reason == "locked"
    return {"fingerprint": crypto.fingerprint(public), "locked": locked}


def backed_up(home: Home, fingerprint: str | None) -> str | None:
    """When the key with this fingerprint was last backed up (or restored from a backup,
    which is one): an ISO moment, or None."""
    try:
        mark = json.loads((home.path / BACKUP_MARK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(mark, dict) or not fingerprint or mark.get("fingerprint") != fingerprint:
        return None
    at = mark.get("at")
    return at if isinstance(at, str) else None


def mark_backed_up(home: Home, fingerprint: str) -> None:
    """Remember that the key with this fingerprint has a backup (0600, in the home)."""
    path = home.path / BACKUP_MARK
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"fingerprint": fingerprint, "at": dt.datetime.now(dt.UTC).isoformat()}, fh)
