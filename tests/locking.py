"""What the tests of locked workbooks share: a passphrase, a quicker key derivation for the
many workbooks tests lock (the file still records what it used; tests/test_lock.py checks the
real parameters), and a workbook made plain or locked as a test's parameter asks."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbook import cipher, lock
from workbook.store import Home

PASSPHRASE = "a long quiet walk"


@pytest.fixture
def quick_kdf(monkeypatch):
    """scrypt at N=2^14 instead of 2^17 for workbooks locked in this test; every key this
    process made is forgotten afterwards, so the next test starts with every workbook locked."""
    monkeypatch.setattr(cipher, "LOG2_N", 14)
    cipher.forget()
    yield
    cipher.forget()


@pytest.fixture(params=["plain", "locked"])
def locked(request, quick_kdf) -> bool:
    """Run the test on a plain workbook, then again on a locked one."""
    return request.param == "locked"


def make(home: Home, name: str, locked: bool) -> Path:
    """A new workbook called `name`, locked with PASSPHRASE when `locked`; its path."""
    wb = home.create(name)
    slug = wb.path.stem
    wb.close()
    if locked:
        slug = lock.lock(home, slug, PASSPHRASE)
    return home.path_for(slug)


def on_disk(folder: Path) -> bytes:
    """Everything under `folder` a backup or a stolen disk would hold: every file's name and
    bytes (a workbook, its -wal and -shm, any hidden half-made copy or temporary file)."""
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    return b"".join(p.name.encode() + b"\n" + p.read_bytes() for p in files)


def check_disk(folder: Path, locked: bool, *words: str) -> None:
    """A locked workbook's folder holds none of `words` (its name among them), not in a file's
    bytes nor in a file's name; a plain one's does (so the words looked for are the right ones)."""
    held = on_disk(folder)
    for word in words:
        assert (word.encode() in held) is not locked, (word, locked)
