"""Locking a workbook in a home: `lock` (a plain one is encrypted; a locked one gets a new
passphrase), `unlock` (plain again), and opening a locked one by the name the person knows.

Each is a copy: made whole beside the workbook under a hidden name (SQLCipher's
`sqlcipher_export`, in one read transaction, flushed to the disk), then put in place in one
step. Killed before that step, the workbook is as it was and the hidden copy is swept up
later (`Home._sweep`); the step itself is one rename (`os.replace` for a new passphrase, a
link for lock and unlock, whose file keys differ), then the old file is removed. Killed in
the instant between those two, both copies are there and nothing is lost.

A locked workbook's file key is "locked-" and random letters (`new_slug`), never its name;
unlocking gives it a key from its name again. The file format and the key derivation:
`workbook.cipher`. There is no back door: without the passphrase nothing opens the file.
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from pathlib import Path

from . import cipher, sqlfile
from .entries import Workbook
from .errors import WorkbookError
from .home import LOCKED_PREFIX, Home, WorkbookInfo, slugify

ROOM = 256 * 1024  # what a copy needs beyond the workbook's size: its log, SQLite's shared memory
LOCKING = "locking"  # the hidden copy's name: .locking.PID.random.creating (swept like any half-made one)


def new_slug(home: Home) -> str:
    """A file key for a locked workbook that says nothing about it, free in `home`."""
    while True:
        slug = f"{LOCKED_PREFIX}{secrets.token_hex(6)}"
        if not (home.path / f"{slug}{sqlfile.SUFFIX}").exists():
            return slug


def _free_slug(home: Home, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while (home.path / f"{slug}{sqlfile.SUFFIX}").exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _copy(home: Home, path: Path, key: bytes | None, header: bytes | None) -> tuple[Path, str]:
    """The workbook at `path` copied (whole, flushed) into a hidden file under `key` (plain when
    None); returns the copy's path and the workbook's name, read on the way. A disk without
    room for the copy (its size, and the log's) is said first, before anything is touched."""
    size = sum(
        Path(f"{path}{extra}").stat().st_size for extra in ("", "-wal") if Path(f"{path}{extra}").exists()
    )
    if shutil.disk_usage(home.path).free < size + ROOM:
        raise WorkbookError("store.disk_full")
    with Workbook.open(path) as wb:  # checked, brought up to date, its log moved into the file
        wb._checkpoint()
        name, version, old_header = wb.name, wb.schema_version, wb.header
    staged = home.path / f".{LOCKING}.{os.getpid()}.{uuid.uuid4().hex[:8]}{sqlfile.STAGING}"
    try:
        sqlfile.private_file(staged)
        if old_header is None:
            source = cipher.plain_connect(path)
        else:
            source = cipher.connect(path, cipher.key_for(path, old_header), old_header)
        try:
            cipher.export(source, staged, key, header, version)
        finally:
            source.close()
    except BaseException as exc:
        sqlfile.remove_files(staged)
        if isinstance(exc, sqlfile.ERRORS + (OSError,)):
            raise sqlfile.disk_full_or(exc, WorkbookError("lock.not_done")) from exc
        raise
    return staged, name


def _put_in_place(home: Home, staged: Path, old: Path, slug: str) -> str:
    """The copy becomes `slug`'s file (a new key: linked, never replacing another; the same key:
    replaced in one step), then the old file goes; the home's current workbook stays this one
    under its new key. Returns `slug`."""
    final = home.path / f"{slug}{sqlfile.SUFFIX}"
    was_current = home.current() == old.name.removesuffix(sqlfile.SUFFIX)
    try:
        if final == old:
            os.replace(staged, final)
        else:
            os.link(staged, final)
            sqlfile.remove_files(old)
    except OSError as exc:
        raise sqlfile.disk_full_or(exc, WorkbookError("lock.not_done")) from exc
    finally:
        sqlfile.remove_files(staged)
    if was_current and final != old:
        home.set_current(slug)
    return slug


def _existing(home: Home, slug: str) -> Path:
    """The file of the workbook `slug`, its folder tidied of a stopped earlier lock or unlock."""
    home.ensure()
    home._sweep()
    path = home.path_for(slug)
    if not path.exists():
        raise WorkbookError("store.not_here")
    return path


def _lock_under(home: Home, slug: str, header: bytes, key: bytes) -> str:
    """The workbook `slug` locked (or locked again) under `header` and `key`; its file key after."""
    path = _existing(home, slug)
    was_locked = cipher.is_locked(path)
    staged, _name = _copy(home, path, key, header)
    return _put_in_place(home, staged, path, slug if was_locked else new_slug(home))


def _unlock_one(home: Home, slug: str) -> str:
    path = _existing(home, slug)
    old_header = cipher.header_of(path)
    if old_header is None:
        raise WorkbookError("lock.not_locked")
    cipher.key_for(path, old_header)  # Locked when its passphrase wasn't given
    staged, name = _copy(home, path, None, None)
    return _put_in_place(home, staged, path, _free_slug(home, name))


def lock(home: Home, slug: str, passphrase: str) -> str:
    """Lock the workbook `slug` with `passphrase`, or give a locked one a new passphrase (its
    old key must be known: opened in this process). Returns its file key afterwards: a new
    one saying nothing about it when it was plain, the same one when it was locked."""
    passphrase = cipher.check_passphrase(passphrase)
    old_header = cipher.header_of(_existing(home, slug))
    header = cipher.new_header()
    key = cipher.derive(passphrase, header)
    done = _lock_under(home, slug, header, key)
    if old_header is not None:
        cipher.forget(old_header)
    cipher.remember(header, key)
    return done


def unlock(home: Home, slug: str) -> str:
    """Take the lock off the workbook `slug` (its key must be known: opened in this process).
    Returns its file key afterwards, made from its name as a new workbook's is."""
    old_header = cipher.header_of(_existing(home, slug))
    done = _unlock_one(home, slug)
    cipher.forget(old_header)
    return done


# -- a folder with one lock (the practice folder: `Home.one_lock`) ------------------------------
def _all_known(home: Home) -> list[WorkbookInfo]:
    """Every workbook in `home` that can be copied; `cipher.Locked` when a locked one's key
    isn't known in this process (its passphrase is asked first). A damaged one is left as it is."""
    home.ensure()
    home._sweep()
    infos = home.list()
    for info in infos:
        if info.locked and not info.opened:
            raise cipher.Locked(info.path)
    return [info for info in infos if not info.problem]


def lock_all(home: Home, passphrase: str) -> list[str]:
    """Lock every workbook in `home` under one new passphrase (one key: it is made once, and a
    workbook made there later is locked under it too), or give them all a new one. Their file
    keys afterwards. Each is its own copy put in place in one step: stopped half-way, some are
    locked and the rest are locked when this runs again."""
    passphrase = cipher.check_passphrase(passphrase)
    infos = _all_known(home)
    header = cipher.new_header()
    key = cipher.derive(passphrase, header)
    old = {cipher.header_of(info.path) for info in infos} - {None}
    done = [_lock_under(home, info.slug, header, key) for info in infos]
    for each in old:
        cipher.forget(each)
    cipher.remember(header, key)
    return done


def unlock_all(home: Home) -> list[str]:
    """Take the lock off every locked workbook in `home` (their keys known in this process)."""
    infos = [info for info in _all_known(home) if info.locked]
    old = {cipher.header_of(info.path) for info in infos} - {None}
    done = [_unlock_one(home, info.slug) for info in infos]
    for each in old:
        cipher.forget(each)
    return done


def headers_open(home: Home) -> set[bytes]:
    """The headers of `home`'s locked workbooks whose key this process holds (forgetting them
    locks the folder again)."""
    found = {cipher.header_of(path) for path in home.path.glob(f"*{sqlfile.SUFFIX}")} - {None}
    return {header for header in found if cipher.known_key(header) is not None}


def locked_unopened(home: Home) -> list[WorkbookInfo]:
    """The locked workbooks in `home` whose passphrase this process hasn't had."""
    return [info for info in home.list() if info.locked and not info.opened]


def open_with(home: Home, passphrase: str, name: str | None = None) -> list[WorkbookInfo]:
    """Try `passphrase` on every locked workbook not yet opened (a person may use one for all
    of them); returns those it opened. With `name`, stops at the one so called (or whose file
    key it is). `WrongPassphrase` when it opens none."""
    opened = []
    for info in locked_unopened(home):
        header = cipher.header_of(info.path)
        if header is None:
            continue
        try:
            if cipher.known_key(header) is None:  # else it shares its lock with one opened just now
                cipher.key_for(info.path, header, passphrase)
        except cipher.WrongPassphrase:
            continue
        except WorkbookError:
            continue  # a damaged header: listed as damaged once opened, not here
        opened.append(info)
        if name is not None and (name == info.slug or name == home.find(info.slug).name):
            return opened
    if not opened:
        raise cipher.WrongPassphrase()
    return opened
