"""The local-first store: one SQLite file per workbook, in a workbook home.

Every entry is written in its own short transaction the moment it is made. Editing an
entry adds a revision and keeps the earlier ones; deleting is a revision too, so it can
be undone. Nothing here imports pandas: reading frames lives in `workbook.frames`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import json
import os
import re
import sqlite3
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import messages, model, portable, text
from .errors import InvalidEntry, Words, WorkbookError
from .files import atomic_write
from .paths import home_dir

SUFFIX = ".workbook"
NAME_MAX = 80
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # always used with fullmatch
BUSY_TIMEOUT_MS = 5000
STAGING = ".creating"  # a workbook being made; renamed to `slug.workbook` only once complete
# Errors a damaged or unwritable file gives: SQLite's, and undecodable bytes where text should be.
OPEN_ERRORS = (sqlite3.Error, UnicodeError, ValueError, OSError)


def damaged(file: str | os.PathLike) -> WorkbookError:
    """What to say about a damaged workbook file, naming it."""
    return WorkbookError("store.damaged", file=Path(file).name)


def read_only_folder(folder: str | os.PathLike) -> WorkbookError:
    return WorkbookError("store.read_only_folder", folder=str(folder))


def disk_full_or(exc: BaseException, otherwise: WorkbookError) -> WorkbookError:
    """ "The disk is full" when `exc` says so, else `otherwise`."""
    return WorkbookError("store.disk_full") if disk_full(exc) else otherwise


def disk_full(exc: BaseException) -> bool:
    """True when `exc` means there is no space left on the disk."""
    return getattr(exc, "errno", None) == errno.ENOSPC or "full" in str(exc).lower()


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


@dataclass(frozen=True)
class WorkbookInfo:
    """A workbook found in a home: its slug (file name), display name and last change."""

    slug: str
    name: str
    path: Path
    updated_at: str
    problem: str = ""  # why it can't be opened (damaged, disk full...), or ""


def now() -> str:
    """The current time as an ISO 8601 UTC string (microseconds, sortable)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def check_name(name: object) -> str:
    """A workbook's display name, tidied by the text rule (`workbook.text`); InvalidEntry when
    it is empty or looks like a path."""
    name = text.clean_name(
        name, what=Words("messages", "store.name_word"), empty=InvalidEntry("store.name_empty")
    )
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        raise InvalidEntry("store.name_path")
    if len(name) > NAME_MAX:
        raise InvalidEntry("store.name_long", n=NAME_MAX)
    return name


def check_slug(slug: object) -> str:
    """A workbook's file key as sent by a page or link; WorkbookError if it is not one."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise WorkbookError("store.bad_link")
    return slug


def slugify(name: str, *, default: str = "workbook") -> str:
    """A plain file key for `name`: 'Después de la entrevista' -> 'despues-de-la-entrevista'.

    Letters with accents keep their plain letter (NFKD, combining marks dropped); anything
    else that isn't a-z or 0-9 becomes one '-'; at most 40 characters; `default` if none is left.
    The one rule for workbook files and the files handed over (exchange.file_name).
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40].strip("-")
    return slug or default


def _private_file(path: Path) -> None:
    """Create `path` readable and writable by its owner only (SQLite's WAL files follow it)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


class Workbook:
    """One workbook file. Open with `Workbook.open(path)` or through a `Home`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False):
        self.path = path
        self._conn = conn
        self._last_stamp = ""
        self.read_only = read_only

    # -- opening ---------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike,
        *,
        create: bool = False,
        name: str | None = None,
        read_only: bool = False,
    ):
        """Open (or with `create=True` make) the workbook at `path`; WorkbookError if it can't.

        With `read_only=True` every write is refused with a WorkbookError (a therapist's
        view of a client's copy), whatever a page sends.
        """
        path = Path(path)
        if create and not path.exists():
            try:
                _private_file(path)
            except OSError as exc:
                raise disk_full_or(exc, WorkbookError("store.cant_write", folder=str(path.parent))) from exc
        elif not path.exists():
            raise WorkbookError("store.gone")
        conn = None
        try:
            conn = _connect(path)
            # check the file before anything is written to it (a damaged file is kept as it is)
            if not _sound(conn):
                raise damaged(path)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            wb = cls(path, conn)
            wb._migrate()
            wb.read_only = read_only
            if create and name is not None and wb.meta("name") is None:
                wb._init_meta(name)
            if wb._schema() != _expected_schema():  # a damaged schema shows here, not later on a page
                raise damaged(path)
            wb.name, wb.last_change()  # noqa: B018 - so does an unreadable name
        except (WorkbookError, *OPEN_ERRORS) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, WorkbookError):
                raise
            if disk_full(exc):
                raise WorkbookError("store.disk_full") from exc
            if not os.access(path.parent, os.W_OK) or "readonly" in str(exc):
                raise read_only_folder(path.parent) from exc
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise WorkbookError("store.in_use") from exc
            raise damaged(path) from exc
        return wb

    def close(self) -> None:
        """Close the connection (everything is already saved)."""
        self._conn.close()

    def _checkpoint(self) -> None:
        """Move everything from the write-ahead log into the file itself (before it is renamed)."""
        try:
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()["busy"]
        except sqlite3.Error as exc:
            raise disk_full_or(exc, damaged(self.path)) from exc
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
        except sqlite3.OperationalError as exc:
            if disk_full(exc):
                raise WorkbookError("store.disk_full") from exc
            raise WorkbookError("store.busy") from exc
        try:
            yield self._conn
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error) and disk_full(exc):
                raise WorkbookError("store.disk_full") from exc
            raise
        else:
            try:
                self._conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise disk_full_or(exc, WorkbookError("store.not_saved")) from exc

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # SQLite may already have rolled back (disk full)
            self._conn.execute("ROLLBACK")

    def _migrate(self) -> None:
        version = _version(self._conn)
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
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
        return _schema_of(self._conn)

    @property
    def schema_version(self) -> int:
        return _version(self._conn)

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
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE entry_id = ?", (entry_id,)
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
                f"INSERT INTO revisions ({REVISION_COLUMNS}) "
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
                f"INSERT INTO entries ({ENTRY_COLUMNS}) "
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
                f"INSERT INTO revisions ({REVISION_COLUMNS}) "
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
                f"INSERT OR IGNORE INTO revisions ({REVISION_COLUMNS}) VALUES (:rev_id, :entry_id, "
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
                f"INSERT INTO entries ({ENTRY_COLUMNS}) SELECT entry_id, kind, data, first_at, written_at, "
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
        sql = f"SELECT {ENTRY_COLUMNS} FROM entries WHERE 1 = 1"
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
        sql = f"SELECT {REVISION_COLUMNS} FROM revisions WHERE 1 = 1"
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
        return _last_change(self._conn)

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


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection whose rows are read by column name. `read_only` opens the file so that
    nothing at all is written: not the file, and no SQLite files beside it that weren't there
    (an open workbook has its write-ahead log beside it, which is read as it is; a closed one
    has none and is read as a file no one is changing)."""
    if read_only:
        wal_open = Path(f"{path}-wal").exists()
        uri = f"{Path(path).resolve().as_uri()}?mode=ro{'' if wal_open else '&immutable=1'}"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _sound(conn: sqlite3.Connection) -> bool:
    return conn.execute("PRAGMA quick_check").fetchone()["quick_check"] == "ok"


def _version(conn: sqlite3.Connection) -> int:
    """How many migrations the file has had; WorkbookError when a newer app made it."""
    version = conn.execute("PRAGMA user_version").fetchone()["user_version"]
    if version > SCHEMA_VERSION:
        raise WorkbookError("store.newer")
    return version


def _last_change(conn: sqlite3.Connection) -> str | None:
    return conn.execute("SELECT max(written_at) AS last FROM revisions").fetchone()["last"]


def _schema_of(conn: sqlite3.Connection) -> dict:
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
def _expected_schema() -> dict:
    """The schema every migration together makes (built once, in memory, to compare with)."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    for migration in MIGRATIONS:
        for statement in migration.statements:
            conn.execute(statement)
    found = _schema_of(conn)
    conn.close()
    return found


def _peek(path: Path) -> WorkbookInfo:
    """What the start page lists about a workbook file, read without writing anything to it:
    no migration, no change of journal; a file an older version made is listed as it is."""
    conn = _connect(path, read_only=True)
    try:
        if not _sound(conn):
            raise damaged(path)
        if _version(conn) == SCHEMA_VERSION and _schema_of(conn) != _expected_schema():
            raise damaged(path)
        rows = conn.execute("SELECT key, value FROM meta WHERE key IN ('name', 'created_at')").fetchall()
        meta = {row["key"]: json.loads(row["value"]) for row in rows}
        name = meta.get("name") or path.stem
        if not isinstance(name, str):
            raise damaged(path)
        return WorkbookInfo(path.stem, name, path, _last_change(conn) or meta.get("created_at", ""))
    finally:
        conn.close()


def _empty_leftover(path: Path) -> bool:
    """A workbook file with nothing in it, nor in a write-ahead log beside it."""
    wal = Path(f"{path}-wal")
    return path.stat().st_size == 0 and (not wal.exists() or wal.stat().st_size == 0)


def _remove_files(path: Path) -> None:
    """A workbook file and SQLite's files beside it."""
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{extra}").unlink(missing_ok=True)


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


class Home:
    """A folder of workbooks, plus which one is current."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = home_dir(path)

    def ensure(self) -> Path:
        """Create the home (owner-only) if needed; WorkbookError if it can't be written."""
        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not os.access(self.path, os.W_OK):
                raise PermissionError(self.path)
            # a home made by an older version (or by hand) may be open to others: close it
            info = self.path.stat()
            if info.st_mode & 0o077 and hasattr(os, "getuid") and info.st_uid == os.getuid():
                os.chmod(self.path, 0o700)
        except OSError as exc:
            raise WorkbookError("store.home_cant_write", folder=str(self.path)) from exc
        return self.path

    @property
    def log_path(self) -> Path:
        return self.path / "workbook.log"

    def private_log(self) -> Path:
        """The log file, created readable by its owner only (and made so if it already exists)."""
        fd = os.open(self.log_path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            portable.owner_only(fd)
        finally:
            os.close(fd)
        return self.log_path

    def path_for(self, slug: str) -> Path:
        return self.path / f"{check_slug(slug)}{SUFFIX}"

    def list(self) -> list[WorkbookInfo]:
        """Every workbook in the home, most recently changed first (read only: listing
        changes no file, see `_peek`)."""
        found = []
        if not self.check(write=False):
            return found
        for path in sorted(self.path.glob(f"*{SUFFIX}")):
            if not SLUG_RE.fullmatch(path.stem):
                continue
            try:
                if _empty_leftover(path):
                    continue  # left by a write on a full disk with an older version: holds nothing
                found.append(_peek(path))
            except (WorkbookError, *OPEN_ERRORS) as exc:
                problem = str(exc if isinstance(exc, WorkbookError) else damaged(path))
                found.append(
                    WorkbookInfo(
                        path.stem, messages.say("store.cant_open_name", name=path.stem), path, "", problem
                    )
                )
        return sorted(found, key=lambda info: info.updated_at, reverse=True)

    def check(self, *, write: bool = True) -> bool:
        """False when there is no home folder yet; WorkbookError (saying what is wrong) when
        it can't be read, or with `write`, written."""
        try:
            if not self.path.exists():
                return False
            if not self.path.is_dir():
                raise NotADirectoryError(self.path)
            if not os.access(self.path, os.R_OK | os.X_OK):
                raise PermissionError(self.path)
            if write and not os.access(self.path, os.W_OK):
                raise read_only_folder(self.path)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise WorkbookError("store.home_cant_read", folder=str(self.path), reason=reason) from exc
        return True

    def find(self, name: str) -> WorkbookInfo | None:
        """The workbook with this display name or slug, if any."""
        for info in self.list():
            if name in (info.slug, info.name):
                return info
        return None

    def create(self, name: str) -> Workbook:
        """Make a new workbook called `name`; returns it open."""
        with self.creating(name) as wb:
            pass
        return Workbook.open(wb.path)

    @contextlib.contextmanager
    def creating(self, name: str) -> Iterator[Workbook]:
        """Make a workbook called `name` whole or not at all.

        It is built under a hidden name and appears in the home (as ``slug.workbook``) only
        when the block ends without an error; after an error, a full disk or the process
        being killed, nothing half-made is left (the next `creating` sweeps up leftovers).
        The workbook is closed when the block ends; its `path` is then the final one.
        """
        name = check_name(name)
        if any(info.name.casefold() == name.casefold() for info in self.list()):
            raise InvalidEntry("store.name_taken_try", name=name)
        self.ensure()
        self._sweep()
        base = slugify(name)
        slug, n = base, 1
        while (self.path / f"{slug}{SUFFIX}").exists():
            n += 1
            slug = f"{base}-{n}"
        staged = self.path / f".{slug}.{os.getpid()}.{uuid.uuid4().hex[:8]}{STAGING}"
        try:
            wb = Workbook.open(staged, create=True, name=name)
        except BaseException:
            _remove_files(staged)
            raise
        try:
            yield wb
            wb._checkpoint()
            wb.close()
            final = self.path / f"{slug}{SUFFIX}"
            try:
                os.link(staged, final)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise WorkbookError("store.appeared", file=final.name) from None
            except OSError as exc:
                raise disk_full_or(exc, WorkbookError(None, said=str(exc))) from exc
            wb.path = final
        except BaseException:
            wb.close()
            raise
        finally:
            _remove_files(staged)

    def _sweep(self) -> None:
        """Remove workbooks left half-made by a process that no longer runs."""
        for path in self.path.glob(f".*{STAGING}"):
            pid = path.name.removesuffix(STAGING).rsplit(".", 2)[-2]  # .slug.PID.random.creating
            if not pid.isdigit() or not portable.process_running(int(pid)):
                _remove_files(path)
        for path in self.path.glob(f"*{SUFFIX}"):
            if SLUG_RE.fullmatch(path.stem) and _empty_leftover(path):
                _remove_files(path)

    def open(self, slug: str, *, read_only: bool = False) -> Workbook:
        """Open the workbook with this slug; WorkbookError if there is none."""
        path = self.path_for(slug)
        if not path.exists():
            raise WorkbookError("store.not_here")
        return Workbook.open(path, read_only=read_only)

    def rename(self, slug: str, new_name: str) -> None:
        """Give a workbook a new display name (its file and links stay the same)."""
        new_name = check_name(new_name)
        if any(i.name.casefold() == new_name.casefold() and i.slug != slug for i in self.list()):
            raise InvalidEntry("store.name_taken", name=new_name)
        with self.open(slug) as wb:
            wb.set_meta("name", new_name)

    # -- the current workbook (carried to pages opened without a link) ------------
    @property
    def _current_file(self) -> Path:
        return self.path / "current"

    def current(self) -> str | None:
        """The slug of the workbook chosen last, if it still exists."""
        try:
            slug = self._current_file.read_text(encoding="utf-8").strip()
            return slug if self.path_for(slug).exists() else None
        except (OSError, WorkbookError):
            return None

    def set_current(self, slug: str) -> None:
        """Remember `slug` as the chosen workbook."""
        self.ensure()
        check_slug(slug)
        atomic_write(self._current_file, slug)


PRACTICE_DIR = "practice"


def practice_home(home: Home | str | os.PathLike | None = None) -> Home:
    """The practice folder (a Home of client copies) inside the workbook home."""
    base = home if isinstance(home, Home) else Home(home)
    return Home(base.path / PRACTICE_DIR)
