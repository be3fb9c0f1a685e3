"""`rejection-workbook remind NAME`: a calendar file that reminds the person to check in.

The link in the event is the app's own address for this workbook folder (its kept port, or
the person's server on a practice server: `address.app_url`), without the token: a calendar may be synced elsewhere, and the browser that opened the app
before keeps its cookie. The workbook's name goes nowhere but the sentence printed here.
"""

from __future__ import annotations

import click

from . import content, remind
from .address import app_url
from .clikit import find_workbook, home_option, runs
from .errors import CliError
from .exchange import save_file
from .store import Home


class RemindCliError(CliError):
    text_file = "remind"


def words() -> dict:
    return content.text("remind")["cli"]


def cmd_remind(args) -> int:
    home = Home(args.home)
    home.check()
    found = find_workbook(home, args.name)
    if found is None:
        raise RemindCliError("cli.no_such_workbook", name=args.name)
    reminder = remind.plan(at=args.at, every=args.every, in_days=args.in_days, words=args.words or "")
    data = remind.calendar(reminder, url=app_url(home.path))
    path = save_file(data, args.out or remind.file_name(), force=args.force)
    click.echo(words()["saved"].format(name=found.name, path=path.resolve()))
    return 0


def add_command(app: click.Group) -> None:
    """Add `remind` to the command group."""
    callback = runs(cmd_remind)
    for option in reversed(
        (
            click.argument("name"),
            click.option("--every", type=click.Choice(remind.EVERY), help=words()["every"]),
            click.option("--at", "at", default="20:00", show_default=False, help=words()["at"]),
            click.option("--in", "in_days", help=words()["in"]),
            click.option("--words", help=words()["words"]),
            click.option("--out", help=words()["out"].format(file=remind.file_name())),
            click.option("--force", is_flag=True, help=content.text("cli")["help"]["force"]),
            home_option,
        )
    ):
        callback = option(callback)
    app.command("remind", help=words()["help"])(callback)
