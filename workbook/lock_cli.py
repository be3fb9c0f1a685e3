"""`rejection-workbook lock NAME` and `unlock NAME`: a passphrase on a workbook, changed, or
taken off (`workbook.lock`). Said plainly when locking: there is no back door."""

from __future__ import annotations

import os

import click

from . import lock
from .clikit import PASSPHRASE_ENV, find_workbook, helps, home_option, problem, runs, say, words
from .store import Home

NEW_PASSPHRASE_ENV = "REJECTION_WORKBOOK_NEW_PASSPHRASE"  # a new passphrase for a locked one, for scripts


def _found(home: Home, name: str):
    home.check()
    found = find_workbook(home, name)
    if found is None:
        raise problem("no_such_workbook", name=name)
    return found


def _new_passphrase(changing: bool) -> str:
    """The new passphrase, asked twice (or from the environment, for scripts)."""
    given = os.environ.get(NEW_PASSPHRASE_ENV if changing else PASSPHRASE_ENV)
    if given:
        return given
    first = _ask("lock_new")
    if _ask("lock_again") != first:
        raise problem("passphrases_differ")
    return first


def _ask(key: str) -> str:
    return click.prompt(words()["ask"][key], hide_input=True, default="", show_default=False)


def cmd_lock(args) -> int:
    home = Home(args.home)
    found = _found(home, args.name)
    changing = found.locked
    if not changing:
        say("lock_no_back_door", name=found.name)
    slug = lock.lock(home, found.slug, _new_passphrase(changing))
    _follow_current(home, found.slug, slug)
    say("lock_changed" if changing else "locked", name=found.name, slug=slug)
    return 0


def _follow_current(home: Home, old: str, new: str) -> None:
    """The workbook in use keeps being the one in use under its new file key."""
    try:
        current = (home.path / "current").read_text(encoding="utf-8").strip()
    except OSError:
        return
    if current == old:
        home.set_current(new)


def cmd_unlock(args) -> int:
    home = Home(args.home)
    found = _found(home, args.name)
    if not found.locked:
        raise problem("not_locked", name=found.name)
    slug = lock.unlock(home, found.slug)
    _follow_current(home, found.slug, slug)
    say("unlocked", name=found.name, slug=slug)
    return 0


def add_commands(app: click.Group) -> None:
    """Add `lock` and `unlock` to the command group."""
    for name, function in (("lock", cmd_lock), ("unlock", cmd_unlock)):
        callback = runs(function)
        callback = home_option(callback)
        callback = click.argument("name")(callback)
        app.command(name, help=helps(name, env=PASSPHRASE_ENV))(callback)
