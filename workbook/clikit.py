"""What the two command modules (`cli`, `exchange_cli`) share: their words, the --home
option, how a command runs, and the one way a problem is shown.

A command's function takes its options as attributes (`args.home`), as it did with
argparse, so each click command is only a list of options in front of it.
"""

from __future__ import annotations

import functools
import os
from types import SimpleNamespace

import click

from . import content, lock
from .errors import CliError
from .errors import Problem as Said
from .paths import HOME_ENV
from .store import Home, WorkbookInfo

PASSPHRASE_ENV = "REJECTION_WORKBOOK_PASSPHRASE"  # a locked workbook's passphrase, for scripts

PROG = "rejection-workbook"
# Problems told in one plain sentence (exit code 2), never as a traceback: every Problem
# (workbook/errors.py) says itself in the language in use.
CALM = (Said,)


def words() -> dict:
    """Everything the command says (data/text/cli.toml)."""
    return content.text("cli")


def helps(key: str, **values) -> str:
    return words()["help"][key].format(**values)


def say(key: str, **values) -> None:
    """Print one of the command's sentences."""
    click.echo(words()["say"][key].format(**values))


def problem(key: str, **values) -> CliError:
    """A CliError naming one of the command's sentences about what went wrong (cli.toml [errors])."""
    return CliError(f"errors.{key}", **values)


class Problem(click.ClickException):
    """What click shows for a calm problem: ``rejection-workbook: <sentence>``, exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(words()["problem"].format(message=self.message), err=True, file=file)


def runs(func):
    """A click callback that runs `func(args)` (the options as attributes) and turns every
    calm problem into a `Problem`."""

    @functools.wraps(func)
    def callback(**options):
        try:
            return func(SimpleNamespace(**options))
        except CALM as exc:
            raise Problem(str(exc)) from None

    return callback


def ask_passphrase(key: str = "lock_passphrase") -> str:
    """A passphrase: from $REJECTION_WORKBOOK_PASSPHRASE (scripts), else asked without showing it."""
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    return click.prompt(words()["ask"][key], hide_input=True, default="", show_default=False)


def find_workbook(home: Home, name: str, *, opening: bool = True) -> WorkbookInfo | None:
    """The workbook called `name` (or with that file key). When it may be a locked one not yet
    opened, its passphrase is asked once, and every locked workbook it opens is opened for the
    rest of the command; a wrong one says so (`cipher.WrongPassphrase`). With `opening` False
    (the app opens it, and asks there), it is asked only to find a locked one by its name."""
    found = home.find(name)
    if found is not None and (found.opened or not opening):
        return found
    if not lock.locked_unopened(home):
        return found
    say("is_locked" if found is not None else "maybe_locked", name=name)
    lock.open_with(home, ask_passphrase(), name=name)
    return home.find(name)


def _use_language(_ctx, _param, value: str | None) -> str | None:
    if value:  # this process, and the app's server and kernels (they inherit it)
        os.environ[content.LANGUAGE_ENV] = value
    return value


def home_option(command):
    """--home, and --language (every command that reads workbooks speaks the language)."""
    command = click.option(
        "--language",
        type=click.Choice(content.LANGUAGES),
        expose_value=False,
        is_eager=True,
        callback=_use_language,
        help=helps("language", env=content.LANGUAGE_ENV),
    )(command)
    return click.option("--home", help=helps("home", env=HOME_ENV))(command)
