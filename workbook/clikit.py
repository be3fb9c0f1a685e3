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

from . import content
from .errors import CliError
from .errors import Problem as Said
from .paths import HOME_ENV

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
