"""A workbook's file as SQLite sees it: opening a connection, what its errors mean, the files
SQLite keeps beside it. The layer under `workbook.schema`, `workbook.entries` and `workbook.home`.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from . import cipher
from .errors import WorkbookError

SUFFIX = ".workbook"
BUSY_TIMEOUT_MS = 5000
STAGING = ".creating"  # a workbook being made; renamed to `slug.workbook` only once complete
# Errors a damaged or unwritable file gives: SQLite's, and undecodable bytes where text should be.
# A plain workbook is read by Python's sqlite3, a locked one by SQLCipher's: each has its own errors.
ERRORS = (sqlite3.Error, cipher.Error)
OPERATIONAL = (sqlite3.OperationalError, cipher.OperationalError)
DATABASE = (sqlite3.DatabaseError, cipher.DatabaseError)
OPEN_ERRORS = (*ERRORS, UnicodeError, ValueError, OSError)


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


def private_file(path: Path) -> None:
    """Create `path` readable and writable by its owner only (SQLite's WAL files follow it)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def connect(
    path: Path, *, read_only: bool = False, key: bytes | None = None, header: bytes | None = None
) -> sqlite3.Connection:
    """A connection whose rows are read by column name. `read_only` opens the file so that
    nothing at all is written: not the file, and no SQLite files beside it that weren't there
    (an open workbook has its write-ahead log beside it, which is read as it is; a closed one
    has none and is read as a file no one is changing). With `key` (and the file's `header`)
    it is a locked workbook's connection (`workbook.cipher`)."""
    uri = None
    if read_only:
        wal_open = Path(f"{path}-wal").exists()
        uri = f"{Path(path).resolve().as_uri()}?mode=ro{'' if wal_open else '&immutable=1'}"
    if key is not None:
        conn = cipher.connect(path, key, header, uri=uri, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = cipher.Row
    else:
        conn = sqlite3.connect(
            uri or path, uri=uri is not None, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def sound(conn: sqlite3.Connection) -> bool:
    return conn.execute("PRAGMA quick_check").fetchone()["quick_check"] == "ok"


def empty_leftover(path: Path) -> bool:
    """A workbook file with nothing in it, nor in a write-ahead log beside it."""
    wal = Path(f"{path}-wal")
    return path.stat().st_size == 0 and (not wal.exists() or wal.stat().st_size == 0)


def remove_files(path: Path) -> None:
    """A workbook file and SQLite's files beside it."""
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
