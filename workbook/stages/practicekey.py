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


# -- a key kept under a passphrase: asked once per visit ---------------------------------------
def key_asked(home: Home) -> bool:
    """The key is sealed under a passphrase and hasn't been opened in this visit (kernel):
    the page asks for it where it is needed (the inbox, notes, a backup)."""
    try:
        return crypto.opened_key(home.path) is None and _sealed(home)
    except crypto.CryptoError:
        return False


def _sealed(home: Home) -> bool:
    """A key file whose key is sealed (no key file, or a plain key: False)."""
    try:
        crypto.load_key(home.path)
        return False
    except crypto.CryptoError as exc:
        return exc.reason == "locked"


def key_open(home: Home) -> bool:
    """The key is sealed and was opened in this visit (kept in memory until it is left alone)."""
    try:
        return crypto.opened_key(home.path) is not None
    except crypto.CryptoError:
        return False


def open_key(home: Home, passphrase: str) -> bool:
    """Open a sealed key with `passphrase` for this visit (the practice's own passphrase is
    tried on it); False when there is none sealed or the passphrase isn't its."""
    if not key_asked(home):
        return False
    try:
        private = crypto.load_key(home.path, passphrase)
    except crypto.CryptoError:
        return False
    crypto.remember_key(home.path, private)
    return True


def seal_key(home: Home, passphrase: str) -> bool:
    """Keep the key under `passphrase` (when the practice is locked), if it is at hand: plain,
    or opened in this visit. False when there is no key or it can't be opened now."""
    try:
        private = crypto.opened_key(home.path) or crypto.load_key(home.path)
    except crypto.CryptoError:
        return False
    if private is None:
        return False
    crypto.save_key(home.path, private, passphrase)
    crypto.remember_key(home.path, private)
    return True


def forget_key() -> None:
    """The page was left alone: a sealed key opened in this visit is asked for again."""
    crypto.forget_keys()
