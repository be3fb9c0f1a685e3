"""A workbook home: the folder of a person's workbooks, and which one is current; the rules for
a workbook's name and its file key (slug).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import cipher, messages, portable, schema, sqlfile, text
from .entries import Workbook
from .errors import InvalidEntry, Words, WorkbookError
from .files import atomic_write
from .paths import home_dir

NAME_MAX = 80
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # always used with fullmatch
LOCKED_PREFIX = "locked-"  # a locked workbook's file key: this and random letters, never its name


@dataclass(frozen=True)
class WorkbookInfo:
    """A workbook found in a home: its slug (file name), display name and last change."""

    slug: str
    name: str
    path: Path
    updated_at: str
    problem: str = ""  # why it can't be opened (damaged, disk full...), or ""
    locked: bool = False  # its file is encrypted; until its passphrase is given, its name is unknown
    opened: bool = True  # False for a locked workbook whose passphrase this process hasn't had


def locked_info(path: Path) -> WorkbookInfo:
    """A locked workbook listed before its passphrase is given: nothing in the file can be read,
    so its name is "Locked workbook" and a short part of its file key, its time the file's."""
    changed = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(timespec="microseconds")
    short = path.stem.removeprefix(LOCKED_PREFIX)[:6]
    name = messages.say("lock.listed_name", id=short)
    return WorkbookInfo(path.stem, name, path, changed, locked=True, opened=False)


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


def peek(path: Path) -> WorkbookInfo:
    """What the start page lists about a workbook file, read without writing anything to it:
    no migration, no change of journal; a file an older version made is listed as it is. A
    locked one is read only when this process has its key (`workbook.cipher`)."""
    header = cipher.header_of(path)
    key = cipher.known_key(header) if header is not None else None
    if header is not None and key is None:
        return locked_info(path)
    conn = sqlfile.connect(path, read_only=True, key=key, header=header)
    try:
        if not sqlfile.sound(conn):
            raise sqlfile.damaged(path)
        if (
            schema.version(conn) == schema.SCHEMA_VERSION
            and schema.schema_of(conn) != schema.expected_schema()
        ):
            raise sqlfile.damaged(path)
        rows = conn.execute("SELECT key, value FROM meta WHERE key IN ('name', 'created_at')").fetchall()
        meta = {row["key"]: json.loads(row["value"]) for row in rows}
        name = meta.get("name") or path.stem
        if not isinstance(name, str):
            raise sqlfile.damaged(path)
        changed = schema.last_change(conn) or meta.get("created_at", "")
        return WorkbookInfo(path.stem, name, path, changed, locked=header is not None)
    finally:
        conn.close()


class Home:
    """A folder of workbooks, plus which one is current. With `one_lock` (the practice folder)
    its workbooks share one lock: once they are locked, a new one is made locked under the same
    key, its file key saying nothing about it (`shared_lock`)."""

    def __init__(self, path: str | os.PathLike | None = None, *, one_lock: bool = False):
        self.path = home_dir(path)
        self.one_lock = one_lock

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
        return self.path / f"{check_slug(slug)}{sqlfile.SUFFIX}"

    def list(self) -> list[WorkbookInfo]:
        """Every workbook in the home, most recently changed first (read only: listing
        changes no file, see `_peek`)."""
        found = []
        if not self.check(write=False):
            return found
        for path in sorted(self.path.glob(f"*{sqlfile.SUFFIX}")):
            if not SLUG_RE.fullmatch(path.stem):
                continue
            try:
                if sqlfile.empty_leftover(path):
                    continue  # left by a write on a full disk with an older version: holds nothing
                found.append(peek(path))
            except (WorkbookError, *sqlfile.OPEN_ERRORS) as exc:
                problem = str(exc if isinstance(exc, WorkbookError) else sqlfile.damaged(path))
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
                raise sqlfile.read_only_folder(self.path)
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
        under = self.shared_lock() if self.one_lock else None  # cipher.Locked before anything is made
        if any(info.name.casefold() == name.casefold() for info in self.list()):
            raise InvalidEntry("store.name_taken_try", name=name)
        self.ensure()
        self._sweep()
        base = slugify(name) if under is None else f"{LOCKED_PREFIX}{uuid.uuid4().hex[:12]}"
        slug, n = base, 1
        while (self.path / f"{slug}{sqlfile.SUFFIX}").exists():
            n += 1
            slug = f"{base}-{n}"
        staged = self.path / f".{slug}.{os.getpid()}.{uuid.uuid4().hex[:8]}{sqlfile.STAGING}"
        try:
            wb = Workbook.open(staged, create=True, name=name, under=under)
        except BaseException:
            sqlfile.remove_files(staged)
            raise
        try:
            yield wb
            wb._checkpoint()
            wb.close()
            final = self.path / f"{slug}{sqlfile.SUFFIX}"
            try:
                os.link(staged, final)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise WorkbookError("store.appeared", file=final.name) from None
            except OSError as exc:
                raise sqlfile.disk_full_or(exc, WorkbookError(None, said=str(exc))) from exc
            wb.path = final
        except BaseException:
            wb.close()
            raise
        finally:
            sqlfile.remove_files(staged)

    def shared_lock(self) -> tuple[bytes, bytes] | None:
        """The header and key a `one_lock` folder's locked workbooks share (a new one is made
        under them), or None when none is locked; `cipher.Locked` when this process hasn't had
        their passphrase."""
        for path in sorted(self.path.glob(f"*{sqlfile.SUFFIX}")):
            header = cipher.header_of(path)
            if header is not None:
                return header, cipher.key_for(path, header)
        return None

    def _sweep(self) -> None:
        """Remove workbooks left half-made by a process that no longer runs."""
        for path in self.path.glob(f".*{sqlfile.STAGING}"):
            pid = path.name.removesuffix(sqlfile.STAGING).rsplit(".", 2)[-2]  # .slug.PID.random.creating
            if not pid.isdigit() or not portable.process_running(int(pid)):
                sqlfile.remove_files(path)
        for path in self.path.glob(f"*{sqlfile.SUFFIX}"):
            if SLUG_RE.fullmatch(path.stem) and sqlfile.empty_leftover(path):
                sqlfile.remove_files(path)

    def open(self, slug: str, *, read_only: bool = False, passphrase: str | None = None) -> Workbook:
        """Open the workbook with this slug; WorkbookError if there is none (`cipher.Locked` for
        a locked one whose passphrase this process hasn't had: see `Workbook.open`)."""
        path = self.path_for(slug)
        if not path.exists():
            raise WorkbookError("store.not_here")
        return Workbook.open(path, read_only=read_only, passphrase=passphrase)

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
    return Home(base.path / PRACTICE_DIR, one_lock=True)
