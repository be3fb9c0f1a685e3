"""The exchange service's SQLite file: its tables, and bringing a file made by an earlier
version up to them (the service's own migrations, columns added since)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    owner TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invitations (
    id TEXT PRIMARY KEY,
    therapist TEXT NOT NULL,
    therapist_key BLOB NOT NULL,
    start BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    client TEXT,
    client_key BLOB,
    proof TEXT,
    redeemed_at TEXT,
    withdrawn_at TEXT,
    verifier BLOB,
    key_mac TEXT
);
CREATE INDEX IF NOT EXISTS invitations_by_therapist ON invitations(therapist, redeemed_at);
CREATE INDEX IF NOT EXISTS invitations_by_client ON invitations(client);
CREATE TABLE IF NOT EXISTS envelopes (
    id TEXT PRIMARY KEY,
    link TEXT NOT NULL,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    sent_at TEXT NOT NULL,
    received_at TEXT
);
CREATE INDEX IF NOT EXISTS envelopes_by_recipient ON envelopes(recipient, received_at, sent_at);
CREATE INDEX IF NOT EXISTS envelopes_by_sender ON envelopes(sender, sent_at);
"""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


class Store:
    """The service's SQLite file: named columns, one short transaction per change, WAL."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a file made by an earlier version up to SCHEMA (columns added since)."""
        columns = {row["name"] for row in self.conn.execute("PRAGMA table_info(invitations)")}
        if "withdrawn_at" not in columns:
            self.conn.execute("ALTER TABLE invitations ADD COLUMN withdrawn_at TEXT")
        if "key_mac" not in columns:  # short codes: the therapist's key, bound by the code
            self.conn.execute("ALTER TABLE invitations ADD COLUMN key_mac TEXT")
        if "verifier" not in columns:
            # Invitations made before redeeming needed the code's secret: those not used yet
            # end now (the therapist makes a new code; the client is told so plainly).
            with self.write() as db:
                db.execute("ALTER TABLE invitations ADD COLUMN verifier BLOB")
                db.execute(
                    "UPDATE invitations SET expires_at = :now WHERE client IS NULL AND expires_at > :now",
                    {"now": stamp(utc_now())},
                )

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def write(self):
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def one(self, sql: str, **params) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, **params) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()
