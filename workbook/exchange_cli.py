"""The round-trip verbs on the command line (added to `rejection-workbook` by `workbook.cli`).

    rejection-workbook prepare "Alex" --welcome "..." --stages 1,2,3 --prompt "2:What felt unfair?" --out alex.rwshare
    rejection-workbook start-from alex.rwshare [--name "My workbook"]
    rejection-workbook share "My workbook" --stages 1,2 [--passphrase] --out share.rwshare
    rejection-workbook import share.rwshare [--passphrase]
    rejection-workbook clients
    rejection-workbook annotate Alex 2 "Thank you for writing this."
    rejection-workbook return Alex --out notes.rwshare [--passphrase]
    rejection-workbook open-return "My workbook" notes.rwshare [--passphrase]
    rejection-workbook report "My workbook" [--stages 1,2] [--client] --out report.html|report.pdf|report.zip

`--out` never replaces an existing file unless `--force` is given, and a missing folder is
refused before anything is made. A passphrase is never taken from the command line (other users could see it): `--passphrase`
asks for it, or it is read from $REJECTION_WORKBOOK_PASSPHRASE.
"""

from __future__ import annotations

import os
import sys

import click

from . import exchange, formats, lock, registry, report, share, text
from .clikit import ask_passphrase, find_workbook, helps, home_option, problem, runs, say, words
from .share import NeedsPassphrase
from .store import Home

PASSPHRASE_ENV = "REJECTION_WORKBOOK_PASSPHRASE"


def _ask(key: str) -> str:
    """A passphrase typed at the terminal, not shown; empty means none."""
    return click.prompt(words()["ask"][key], hide_input=True, default="", show_default=False)


def _passphrase(args, *, confirm: bool = False) -> str | None:
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not getattr(args, "passphrase", False):
        return None
    first = _ask("passphrase")
    if confirm and _ask("passphrase_again") != first:
        raise problem("passphrases_differ")
    return first or None


def _opened(args, open_file):
    """`open_file(passphrase)`; a protected file asks for its passphrase if none was given.

    As in the app, a passphrase to open a file is typed once (making one asks twice).
    Without a terminal to ask on, it says how to give one instead.
    """
    given = _passphrase(args)
    try:
        return open_file(given)
    except NeedsPassphrase:
        if given is not None or not sys.stdin.isatty():
            raise problem("needs_passphrase", env=PASSPHRASE_ENV) from None
    return open_file(_ask("protected") or None)


def _stages(text: str | None) -> list[int]:
    if not text:
        return list(registry.method_numbers())
    return exchange.check_stages(part for part in text.split(",") if part.strip())


def _read(path: str) -> bytes:
    """The file's bytes, refused by its size before reading (see `share.read_file`)."""
    try:
        return share.read_file(path)
    except IsADirectoryError:
        raise problem("folder_not_file", path=path) from None
    except OSError as exc:
        raise problem("unreadable", path=path, reason=exc.strerror) from None


def _open(home: Home, name: str):
    found = find_workbook(home, name)
    if found is None:
        raise problem("no_such_workbook_in", name=name, home=home.path)
    return home.open(found.slug)


def _home(args) -> Home:
    home = Home(args.home)
    home.ensure()
    return home


def _practice(home: Home) -> Home:
    """The practice folder. When its clients' copies are locked, the practice's passphrase is
    asked once and opens them all for the rest of the command (as the practice page does)."""
    practice = exchange.practice_home(home)
    if lock.locked_unopened(practice):
        say("practice_is_locked")
        lock.open_with(practice, ask_passphrase("practice_passphrase"))
    return practice


def cmd_prepare(args) -> int:
    prompts: dict[int, list[str]] = {}
    for item in args.prompt or []:
        stage, _, text = item.partition(":")
        if not stage.strip().isdigit() or not text.strip():
            raise problem("prompt_form", item=repr(item))
        prompts.setdefault(int(stage), []).append(text)
    practice = _practice(_home(args))
    out = exchange.check_out(args.out or exchange.file_name(args.alias, "start"), force=args.force)
    # the start file is saved before the client copy is finished: no copy without its file
    slug, _data = exchange.prepare(
        practice,
        args.alias,
        welcome_note=args.welcome or "",
        stages_on=_stages(args.stages),
        prompts=prompts,
        deliver=lambda data: exchange.save_file(data, out, force=args.force),
    )
    say("prepared", slug=slug, practice=practice.path, out=out)
    return 0


def cmd_start_from(args) -> int:
    home = _home(args)
    with exchange.start_from(home, _read(args.file), name=args.name) as wb:
        home.set_current(wb.path.stem)
        say("started_from", name=wb.name)
    return 0


def cmd_share(args) -> int:
    with _open(_home(args), args.workbook) as wb:
        out = exchange.check_out(
            args.out or exchange.file_name(exchange.share_name(wb), "share"), force=args.force
        )
        data = exchange.share_file(
            wb,
            _stages(args.stages),
            passphrase=_passphrase(args, confirm=True),
            include_removed=args.include_removed,
        )
        out = exchange.save_file(data, out, force=args.force)
    say("shared", out=out)
    return 0


def cmd_import(args) -> int:
    practice = _practice(_home(args))
    data = _read(args.file)
    result = _opened(args, lambda passphrase: exchange.import_share(practice, data, passphrase=passphrase))
    stages = ", ".join(map(str, result.stages))
    added, known = _counted("imported_added", result.added), _counted("imported_known", result.known)
    say("imported", alias=result.alias, added=added, known=known, stages=stages)
    return 0


def cmd_clients(args) -> int:
    home = Home(args.home)
    home.check()  # a home that can't be read or written says so, rather than "No clients yet"
    practice = _practice(home)
    found = exchange.clients(practice)
    if not found:
        say("no_clients")
    names = text.labels((c.alias, c.slug) for c in found)
    for c in found:
        if c.problem:
            say("client_problem", name=names[c.slug], slug=c.slug, problem=c.problem)
            continue
        w = words()["say"]
        say(
            "client",
            name=names[c.slug],
            slug=c.slug,
            last=c.last_activity[:16].replace("T", " ") or w["none_yet"],
            shared=", ".join(map(str, c.shared_stages)) or w["nothing_yet"],
            done=", ".join(map(str, c.stages_done)) or w["none"],
            notes=c.notes,
        )
    return 0


def cmd_annotate(args) -> int:
    practice = _practice(_home(args))
    with _open(practice, args.client) as wb:
        exchange.annotate(wb, int(args.stage), args.text)
    say("annotated", stage=args.stage)
    return 0


def cmd_return(args) -> int:
    practice = _practice(_home(args))
    with _open(practice, args.client) as wb:
        out = exchange.check_out(args.out or exchange.file_name(wb.name, "notes"), force=args.force)
        data = exchange.return_notes(wb, passphrase=_passphrase(args, confirm=True))
        out = exchange.save_file(data, out, force=args.force)
    say("returned", out=out)
    return 0


def cmd_open_return(args) -> int:
    with _open(_home(args), args.workbook) as wb:
        data = _read(args.file)
        counts = _opened(args, lambda passphrase: exchange.open_return(wb, data, passphrase=passphrase))
    click.echo(_counted("opened_return", counts["added"]))
    return 0


def _counted(key: str, n: int) -> str:
    """One of the command's counted sentences or words, in the plural form `n` needs."""
    return formats.plural(words()["say"][key], n)


def cmd_report(args) -> int:
    home = _home(args)
    where = _practice(home) if args.client else home
    out = exchange.check_out(args.out, force=args.force)
    with _open(where, args.workbook) as wb:
        stages = _stages(args.stages) if args.stages else (wb.meta("shared_stages") if args.client else None)
        if out.suffix == ".pdf":
            data = report.report_pdf(wb, stages)
        elif out.suffix == ".zip":
            data = report.report_zip(wb, stages)
        else:
            data = report.report_html(wb, stages).encode("utf-8")
    exchange.save_file(data, out, force=args.force)
    say("reported", out=out)
    return 0


def _output(what: str, *, required: bool = False):
    """--out and --force, for a command that saves a file."""

    def add(command):
        command = click.option("--force", is_flag=True, help=helps("force"))(command)
        return click.option("--out", required=required, help=helps("out", what=helps(what)))(command)

    return add


_protect = click.option("--passphrase", is_flag=True, help=helps("passphrase", env=PASSPHRASE_ENV))


def add_commands(app: click.Group) -> None:
    """Add the round-trip verbs to the `rejection-workbook` command group."""

    def command(name: str, func, *options):
        """A click command `name` running `func(args)` with these options (first = leftmost)."""
        callback = runs(func)
        for option in reversed((*options, home_option)):
            callback = option(callback)
        app.command(name, help=helps(name.replace("-", "_")))(callback)

    command(
        "prepare",
        cmd_prepare,
        click.argument("alias"),
        click.option("--welcome", help=helps("welcome")),
        click.option("--stages", help=helps("stages_on")),
        click.option("--prompt", multiple=True, help=helps("prompt")),
        _output("start_file"),
    )
    command(
        "start-from",
        cmd_start_from,
        click.argument("file"),
        click.option("--name", help=helps("start_name")),
    )
    command(
        "share",
        cmd_share,
        click.argument("workbook"),
        click.option("--stages", required=True, help=helps("stages_shared")),
        click.option("--include-removed", is_flag=True, help=helps("include_removed")),
        _output("share_file"),
        _protect,
    )
    command("import", cmd_import, click.argument("file"), _protect)
    command("clients", cmd_clients)
    stages = [str(n) for n in (0, *registry.method_numbers())]
    command(
        "annotate",
        cmd_annotate,
        click.argument("client"),
        click.argument("stage", type=click.Choice(stages)),
        click.argument("text"),
    )
    command("return", cmd_return, click.argument("client"), _output("notes_file"), _protect)
    command("open-return", cmd_open_return, click.argument("workbook"), click.argument("file"), _protect)
    command(
        "report",
        cmd_report,
        click.argument("workbook"),
        _output("report_file", required=True),
        click.option("--stages", help=helps("stages_only")),
        click.option("--client", is_flag=True, help=helps("client")),
    )
