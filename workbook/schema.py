"""The workbook file's schema: its migrations, applied once each, and the columns every
statement names. A file's `PRAGMA user_version` counts the migrations applied to it.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass

from .errors import WorkbookError


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its statements, one SQL statement each, run in order in one
    transaction. A file's `PRAGMA user_version` counts the steps already applied to it, so
    each runs once; a new column is a new Migration at the end, never an edit of an old one."""

    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "initial",
        (
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """CREATE TABLE revisions (
            rev_id TEXT PRIMARY KEY,
            entry_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            parent_rev TEXT,
            author TEXT NOT NULL,
            written_at TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL
            )""",
            "CREATE INDEX revisions_by_entry ON revisions(entry_id, written_at)",
            """CREATE TABLE entries (
            entry_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            rev_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            author TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL
            )""",
            "CREATE INDEX entries_by_kind ON entries(kind, deleted, created_at)",
        ),
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
# The columns, named, in every statement that reads or writes a whole entry or revision
# (rows are read by name, with sqlite3.Row): a column added later breaks none of them.
ENTRY_COLUMNS = "entry_id, kind, data, created_at, updated_at, author, rev_id, deleted"
REVISION_COLUMNS = "rev_id, entry_id, kind, parent_rev, author, written_at, deleted, data"


def version(conn: sqlite3.Connection) -> int:
    """How many migrations the file has had; WorkbookError when a newer app made it."""
    version = conn.execute("PRAGMA user_version").fetchone()["user_version"]
    if version > SCHEMA_VERSION:
        raise WorkbookError("store.newer")
    return version


def last_change(conn: sqlite3.Connection) -> str | None:
    return conn.execute("SELECT max(written_at) AS last FROM revisions").fetchone()["last"]


def schema_of(conn: sqlite3.Connection) -> dict:
    names = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return {
        (row["type"], row["name"]): [
            tuple(column)
            for column in conn.execute(
                f"PRAGMA {'table' if row['type'] == 'table' else 'index'}_info('{row['name']}')"
            )
        ]
        for row in names
    }


@functools.cache
def expected_schema() -> dict:
    """The schema every migration together makes (built once, in memory, to compare with)."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    for migration in MIGRATIONS:
        for statement in migration.statements:
            conn.execute(statement)
    found = schema_of(conn)
    conn.close()
    return found
