"""One workbook: its entries, every saved version of them (revisions) and its settings.

Every entry is written in its own short transaction the moment it is made. Editing an entry
adds a revision and keeps the earlier ones; deleting is a revision too, so it can be undone.
Open one with `Workbook.open(path)` or through a `workbook.home.Home`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import cipher, model, schema, sqlfile
from .errors import InvalidEntry, WorkbookError


@dataclass(frozen=True)
class Entry:
    """The current version of one entry."""

    entry_id: str
    kind: str
    data: dict
    created_at: str
    updated_at: str
    author: str
    rev_id: str
    deleted: bool = False

    def __getitem__(self, key):
        return self.data[key]


@dataclass(frozen=True)
class Revision:
    """One saved version of an entry (edits and deletions each add one)."""

    rev_id: str
    entry_id: str
    kind: str
    parent_rev: str | None
    author: str
    written_at: str
    deleted: bool
    data: dict


def now() -> str:
    """The current time as an ISO 8601 UTC string (microseconds, sortable)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class Workbook:
    """One workbook file. Open with `Workbook.open(path)` or through a `Home`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False):
        self.path = path
        self._conn = conn
        self._last_stamp = ""
        self.read_only = read_only
        self.header: bytes | None = None  # a locked workbook's header (workbook.cipher)

    # -- opening ---------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike,
        *,
        create: bool = False,
        name: str | None = None,
        read_only: bool = False,
        passphrase: str | None = None,
        under: tuple[bytes, bytes] | None = None,
    ):
        """Open (or with `create=True` make) the workbook at `path`; WorkbookError if it can't.
        A new one is made locked when `under` gives a header and key (`Home.shared_lock`).

        With `read_only=True` every write is refused with a WorkbookError (a therapist's
        view of a client's copy), whatever a page sends. A locked workbook opens with its
        `passphrase`, or with the key this process made from it before (`workbook.cipher`);
        without either it raises `cipher.Locked`, and with a wrong one `cipher.WrongPassphrase`.
        """
        path = Path(path)
        if create and not path.exists():
            try:
                sqlfile.private_file(path)
            except OSError as exc:
                raise sqlfile.disk_full_or(
                    exc, WorkbookError("store.cant_write", folder=str(path.parent))
                ) from exc
        elif not path.exists():
            raise WorkbookError("store.gone")
        header = cipher.header_of(path)
        if create and header is None and under is not None and path.stat().st_size == 0:
            header, key = under  # SQLCipher writes the header as the new file's salt
        else:
            key = cipher.key_for(path, header, passphrase) if header is not None else None
        conn = None
        try:
            conn = sqlfile.connect(path, key=key, header=header)
            # check the file before anything is written to it (a damaged file is kept as it is)
            if not sqlfile.sound(conn):
                raise sqlfile.damaged(path)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            wb = cls(path, conn)
            wb.header = header
            wb._migrate()
            wb.read_only = read_only
            if create and name is not None and wb.meta("name") is None:
                wb._init_meta(name)
            if wb._schema() != schema.expected_schema():  # a damaged schema shows here, not later on a page
                raise sqlfile.damaged(path)
            wb.name, wb.last_change()  # noqa: B018 - so does an unreadable name
        except (WorkbookError, *sqlfile.OPEN_ERRORS) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, WorkbookError):
                raise
            if sqlfile.disk_full(exc):
                raise WorkbookError("store.disk_full") from exc
            if not os.access(path.parent, os.W_OK) or "readonly" in str(exc):
                raise sqlfile.read_only_folder(path.parent) from exc
            if isinstance(exc, sqlfile.OPERATIONAL) and "locked" in str(exc):
                raise WorkbookError("store.in_use") from exc
            raise sqlfile.damaged(path) from exc
        return wb

    @property
    def locked(self) -> bool:
        """Whether the workbook is locked (its file encrypted under a passphrase)."""
        return self.header is not None

    def close(self) -> None:
        """Close the connection (everything is already saved)."""
        self._conn.close()

    def _checkpoint(self) -> None:
        """Move everything from the write-ahead log into the file itself (before it is renamed)."""
        try:
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()["busy"]
        except sqlfile.ERRORS as exc:
            raise sqlfile.disk_full_or(exc, sqlfile.damaged(self.path)) from exc
        if busy:
            raise WorkbookError("store.new_in_use")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; a locked or failed write raises WorkbookError."""
        if self.read_only:
            raise WorkbookError("store.read_only")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlfile.OPERATIONAL as exc:
            if sqlfile.disk_full(exc):
                raise WorkbookError("store.disk_full") from exc
            raise WorkbookError("store.busy") from exc
        try:
            yield self._conn
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlfile.ERRORS) and sqlfile.disk_full(exc):
                raise WorkbookError("store.disk_full") from exc
            raise
        else:
            try:
                self._conn.execute("COMMIT")
            except sqlfile.DATABASE as exc:
                self._rollback()
                raise sqlfile.disk_full_or(exc, WorkbookError("store.not_saved")) from exc

    def _rollback(self) -> None:
        with contextlib.suppress(sqlfile.ERRORS):  # SQLite may already have rolled back (disk full)
            self._conn.execute("ROLLBACK")

    def _migrate(self) -> None:
        version = schema.version(self._conn)
        for number, migration in enumerate(schema.MIGRATIONS[version:], start=version + 1):
            with self._write() as conn:
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

    def _init_meta(self, name: str) -> None:
        stamp = now()
        for key, value in (("id", uuid.uuid4().hex), ("name", name), ("created_at", stamp)):
            self.set_meta(key, value)

    def _schema(self) -> dict:
        """Every table's and index's columns as SQLite reads them from the file."""
        return schema.schema_of(self._conn)

    @property
    def schema_version(self) -> int:
        return schema.version(self._conn)

    # -- meta ------------------------------------------------------------------
    def meta(self, key: str, default=None):
        """A workbook setting (JSON value) or `default`."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def all_meta(self) -> dict:
        """Every workbook setting, by key (for exports)."""
        rows = self._conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
        return {row["key"]: json.loads(row["value"]) for row in rows}

    def set_meta(self, key: str, value) -> None:
        """Save a workbook setting (any JSON value)."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    @property
    def name(self) -> str:
        return self.meta("name") or self.path.stem

    # -- writing ---------------------------------------------------------------
    def _stamp(self) -> str:
        stamp = now()
        if stamp <= self._last_stamp:  # keep revisions of one writer strictly ordered
            last = dt.datetime.fromisoformat(self._last_stamp)
            stamp = (last + dt.timedelta(microseconds=1)).isoformat(timespec="microseconds")
        self._last_stamp = stamp
        return stamp

    def _current_row(self, entry_id: str):
        return self._conn.execute(
            f"SELECT {schema.ENTRY_COLUMNS} FROM entries WHERE entry_id = ?", (entry_id,)
        ).fetchone()

    def put(
        self, kind: str, data: dict, *, entry_id: str | None = None, author: str = "me", at: str | None = None
    ) -> Entry:
        """Save a new entry, or a new version of `entry_id`; returns the saved Entry.

        `data` is validated first (InvalidEntry says what is wrong, and nothing is written).
        Saving the same data again writes nothing. `at` (an ISO time) stamps the change with
        that time instead of now — only for replaying saved entries, such as the demo.
        """
        clean = model.validate(kind, data)
        if author not in model.AUTHORS:
            raise InvalidEntry("store.unknown_author", author=repr(author))
        if model.kind(kind).single and entry_id is None:
            existing = self.entries(kind)
            entry_id = existing[0].entry_id if existing else None
        payload = json.dumps(clean, ensure_ascii=False, sort_keys=True)
        with self._write() as conn:
            row = self._current_row(entry_id) if entry_id else None
            if entry_id and row is None:
                raise WorkbookError("store.entry_gone")
            if row is not None and row["kind"] != kind:
                raise InvalidEntry("store.other_kind")
            if row is not None and row["data"] == payload and not row["deleted"]:
                return _entry(row)
            stamp = self._stamp() if at is None else _replayed_stamp(at)
            entry_id = entry_id or uuid.uuid4().hex
            rev_id = uuid.uuid4().hex
            conn.execute(
                f"INSERT INTO revisions ({schema.REVISION_COLUMNS}) "
                "VALUES (:rev_id, :entry_id, :kind, :parent_rev, :author, :written_at, 0, :data)",
                {
                    "rev_id": rev_id,
                    "entry_id": entry_id,
                    "kind": kind,
                    "parent_rev": row["rev_id"] if row else None,
                    "author": author,
                    "written_at": stamp,
                    "data": payload,
                },
            )
            conn.execute(
                f"INSERT INTO entries ({schema.ENTRY_COLUMNS}) "
                "VALUES (:entry_id, :kind, :data, :at, :at, :author, :rev_id, 0) "
                "ON CONFLICT(entry_id) DO UPDATE SET rev_id = excluded.rev_id, "
                "updated_at = excluded.updated_at, author = excluded.author, deleted = 0, "
                "data = excluded.data",
                {
                    "entry_id": entry_id,
                    "kind": kind,
                    "data": payload,
                    "at": stamp,
                    "author": author,
                    "rev_id": rev_id,
                },
            )
        return self.get(entry_id)

    def _set_deleted(self, entry_id: str, deleted: bool) -> Entry:
        with self._write() as conn:
            row = self._current_row(entry_id)
            if row is None:
                raise WorkbookError("store.entry_gone")
            if bool(row["deleted"]) == deleted:
                return _entry(row)
            stamp = self._stamp()
            rev_id = uuid.uuid4().hex
            conn.execute(
                f"INSERT INTO revisions ({schema.REVISION_COLUMNS}) "
                "VALUES (:rev_id, :entry_id, :kind, :parent_rev, :author, :written_at, :deleted, :data)",
                {
                    "rev_id": rev_id,
                    "entry_id": entry_id,
                    "kind": row["kind"],
                    "parent_rev": row["rev_id"],
                    "author": row["author"],
                    "written_at": stamp,
                    "deleted": int(deleted),
                    "data": row["data"],
                },
            )
            conn.execute(
                "UPDATE entries SET rev_id = ?, updated_at = ?, deleted = ? WHERE entry_id = ?",
                (rev_id, stamp, int(deleted), entry_id),
            )
        return self.get(entry_id)

    def delete(self, entry_id: str) -> Entry:
        """Soft-delete an entry (a revision records it; `restore` undoes it)."""
        return self._set_deleted(entry_id, True)

    def restore(self, entry_id: str) -> Entry:
        """Undo a delete."""
        return self._set_deleted(entry_id, False)

    def apply_revisions(self, revisions: Iterable[Revision]) -> dict[str, int]:
        """Merge revisions from another copy of this workbook, in ONE transaction.

        Revisions this workbook already has (same rev_id) are left exactly as they are;
        the others are added. Every touched entry's current version is then recomputed
        as its latest revision (by written_at, then rev_id), so an entry edited on both
        sides keeps both versions in its history. The revisions must already be checked
        (`model.validate` on their data). Returns {"added": n, "known": n, "entries": n};
        WorkbookError (and nothing written) if an entry would change kind.
        """
        revisions = revisions if isinstance(revisions, list) else list(revisions)
        rows = (  # made one at a time as SQLite takes them: a large merge holds no second copy
            {
                **vars(r),
                "deleted": int(r.deleted),
                "data": json.dumps(r.data, ensure_ascii=False, sort_keys=True),
            }
            for r in revisions
        )
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(
                f"INSERT OR IGNORE INTO revisions ({schema.REVISION_COLUMNS}) VALUES (:rev_id, :entry_id, "
                ":kind, :parent_rev, :author, :written_at, :deleted, :data)",
                rows,
            )
            added = conn.total_changes - before
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS merge_touched (entry_id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.merge_touched")
            conn.executemany(
                "INSERT OR IGNORE INTO temp.merge_touched (entry_id) VALUES (?)",
                ((r.entry_id,) for r in revisions),
            )
            clash = conn.execute(
                "SELECT entry_id FROM revisions WHERE entry_id IN (SELECT entry_id FROM temp.merge_touched) "
                "GROUP BY entry_id HAVING count(DISTINCT kind) > 1 LIMIT 1"
            ).fetchone()
            if clash:
                raise WorkbookError("store.kind_clash")
            conn.execute(
                "WITH ranked AS (SELECT entry_id, kind, rev_id, author, written_at, deleted, data, "
                "row_number() OVER (PARTITION BY entry_id ORDER BY written_at DESC, rev_id DESC) AS n, "
                "min(written_at) OVER (PARTITION BY entry_id) AS first_at FROM revisions "
                "WHERE entry_id IN (SELECT entry_id FROM temp.merge_touched)) "
                f"INSERT INTO entries ({schema.ENTRY_COLUMNS}) SELECT entry_id, kind, data, first_at, written_at, "
                "author, rev_id, deleted FROM ranked WHERE n = 1 "
                "ON CONFLICT(entry_id) DO UPDATE SET rev_id = excluded.rev_id, "
                "created_at = excluded.created_at, updated_at = excluded.updated_at, "
                "author = excluded.author, deleted = excluded.deleted, data = excluded.data"
            )
            touched = conn.execute("SELECT count(*) AS n FROM temp.merge_touched").fetchone()["n"]
            conn.execute("DELETE FROM temp.merge_touched")
        return {"added": added, "known": len(revisions) - added, "entries": touched}

    # -- reading ---------------------------------------------------------------
    def get(self, entry_id: str) -> Entry:
        """The current version of an entry (deleted or not); WorkbookError if unknown."""
        row = self._current_row(entry_id)
        if row is None:
            raise WorkbookError("store.entry_gone")
        return _entry(row)

    def entries(self, kind: str | None = None, *, include_deleted: bool = False) -> list[Entry]:
        """Current entries, oldest first; of one kind when `kind` is given."""
        sql = f"SELECT {schema.ENTRY_COLUMNS} FROM entries WHERE 1 = 1"
        args: list = []
        if kind is not None:
            model.kind(kind)
            sql += " AND kind = ?"
            args.append(kind)
        if not include_deleted:
            sql += " AND deleted = 0"
        sql += " ORDER BY created_at, entry_id"
        return [_entry(row) for row in self._conn.execute(sql, args)]

    def single(self, kind: str) -> Entry | None:
        """The one entry of a single-entry kind (the rejection, the verdict...), if saved."""
        found = self.entries(kind)
        return found[-1] if found else None

    def history(self, entry_id: str | None = None, *, kind: str | None = None) -> list[Revision]:
        """Every saved version, oldest first: of one entry, of one kind, or of everything."""
        sql = f"SELECT {schema.REVISION_COLUMNS} FROM revisions WHERE 1 = 1"
        args: list = []
        if entry_id is not None:
            sql += " AND entry_id = ?"
            args.append(entry_id)
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        sql += " ORDER BY written_at, rev_id"
        return [
            Revision(
                rev_id=r["rev_id"],
                entry_id=r["entry_id"],
                kind=r["kind"],
                parent_rev=r["parent_rev"],
                author=r["author"],
                written_at=r["written_at"],
                deleted=bool(r["deleted"]),
                data=json.loads(r["data"]),
            )
            for r in self._conn.execute(sql, args)
        ]

    def last_change(self) -> str | None:
        """When anything in the workbook last changed (ISO UTC), or None if nothing has."""
        return schema.last_change(self._conn)

    def version(self) -> tuple[int, int]:
        """A marker that changes whenever anything is written to the workbook, by any window:
        an entry (the newest revision) or a setting or draft (a hash of them all; they are few)."""
        newest = self._conn.execute("SELECT max(rowid) AS newest FROM revisions").fetchone()["newest"] or 0
        settings = self._conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
        return newest, hash(tuple((row["key"], row["value"]) for row in settings))

    def counts(self) -> dict[str, int]:
        """How many current entries there are of each kind."""
        rows = self._conn.execute("SELECT kind, count(*) AS n FROM entries WHERE deleted = 0 GROUP BY kind")
        return {row["kind"]: row["n"] for row in rows}


def _replayed_stamp(at: str) -> str:
    """A replayed entry's ISO time, in the store's form (UTC, microseconds)."""
    return dt.datetime.fromisoformat(at).astimezone(dt.UTC).isoformat(timespec="microseconds")


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        entry_id=row["entry_id"],
        kind=row["kind"],
        data=json.loads(row["data"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        author=row["author"],
        rev_id=row["rev_id"],
        deleted=bool(row["deleted"]),
    )
