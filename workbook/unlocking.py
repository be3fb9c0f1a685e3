"""Opening workbooks from Python (JupyterLab, `notebooks/08_explore.ipynb`), locked ones too.

A locked workbook takes its passphrase once per kernel: given as `passphrase=`, or asked with
`getpass` (nothing shown as it is typed). The kernel keeps the key made from it, never the
passphrase (`workbook.cipher`), so the next cell, and every other workbook locked with the
same passphrase, opens without asking until the kernel restarts. A wrong passphrase says so
plainly and changes nothing; asked, it is asked again (three tries in all).

    from workbook import frames, unlocking
    wb = unlocking.open_workbook(home, "After the interview")   # asks once if it is locked
    frames.frame(wb, "trait")
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Callable

from . import cipher, lock, messages
from .entries import Workbook
from .home import Home, WorkbookInfo

TRIES = 3
Ask = Callable[[str], str]


def unlock(
    home: Home, name: str | None = None, *, passphrase: str | None = None, ask: Ask | None = None
) -> list[WorkbookInfo]:
    """Give the locked workbooks in `home` not yet opened in this kernel a passphrase: the one
    given, or asked (up to three times when it is wrong). Returns those it opened (with
    `name`, stopping at the one so called). `WrongPassphrase` when a given one opens none, or
    three asked ones didn't; `Locked` when the person left the question empty."""
    if passphrase is not None:
        return lock.open_with(home, passphrase, name=name)
    ask = ask or getpass.getpass
    for attempt in range(TRIES):
        given = ask(messages.say("lock.ask") + " ")
        if not given:
            raise cipher.Locked(home.path)
        try:
            return lock.open_with(home, given, name=name)
        except cipher.WrongPassphrase as wrong:
            if attempt == TRIES - 1:
                raise
            print(wrong)
    raise AssertionError("unreachable")  # pragma: no cover


def find(home: Home, name: str | None = None) -> WorkbookInfo | None:
    """The workbook called `name` (or with that file key); None: the one in use (the app's
    current one). None when there is no such workbook."""
    if name:
        return home.find(name)
    slug = home.current()
    return next((info for info in home.list() if info.slug == slug), None) if slug else None


def open_workbook(
    home: Home | None = None,
    name: str | None = None,
    *,
    passphrase: str | None = None,
    read_only: bool = True,
    ask: Ask | None = None,
) -> Workbook | None:
    """The workbook called `name` (None: the one in use) in `home` (None: the app's folder),
    open (for reading, unless `read_only=False`); None when there is none. A locked one not
    yet opened in this kernel takes `passphrase`, or asks for it once."""
    home = home or Home()
    found = find(home, name)
    may_be_locked = found is None and name and lock.locked_unopened(home)
    if may_be_locked or (found is not None and not found.opened):
        unlock(home, found.slug if found else name, passphrase=passphrase, ask=ask)
        found = find(home, found.slug if found else name)
    if found is None:
        return None
    return home.open(found.slug, read_only=read_only)


def readable(home: Home, *, passphrase: str | None = None, ask: Ask | None = None) -> list[WorkbookInfo]:
    """Every workbook in `home` that can be read now. Locked ones not yet opened in this
    kernel take `passphrase`, or it is asked once (left empty, or wrong three times, they
    are left out, and the person is told how many)."""
    if lock.locked_unopened(home):
        with contextlib.suppress(cipher.Locked, cipher.WrongPassphrase):
            unlock(home, passphrase=passphrase, ask=ask)
        left = len(lock.locked_unopened(home))
        if left:
            print(messages.say("lock.left_out", n=left))
    return [info for info in home.list() if not info.problem and info.opened]
