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

import getpass
import os
import sys

from . import exchange, registry, report, share, text
from .errors import CliError
from .share import NeedsPassphrase, ShareError
from .store import Home

PASSPHRASE_ENV = "REJECTION_WORKBOOK_PASSPHRASE"


class _Problem(Exception):
    pass


def _passphrase(args, *, confirm: bool = False) -> str | None:
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not getattr(args, "passphrase", False):
        return None
    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        raise CliError("The two passphrases were different; nothing was saved.")
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
            raise CliError(
                "This file is protected with a passphrase. Run the command again with --passphrase "
                f"to type it, or set ${PASSPHRASE_ENV}."
            ) from None
    return open_file(getpass.getpass("This file is protected. Type its passphrase: ") or None)


def _stages(text: str | None) -> list[int]:
    if not text:
        return list(registry.method_numbers())
    try:
        return exchange.check_stages(part for part in text.split(",") if part.strip())
    except Exception as exc:
        raise CliError(str(exc)) from None


def _read(path: str) -> bytes:
    """The file's bytes, refused by its size before reading (see `share.read_file`)."""
    try:
        return share.read_file(path)
    except IsADirectoryError:
        raise CliError(f"{path} is a folder, not a file.") from None
    except OSError as exc:
        raise CliError(f"The file {path} can't be read ({exc.strerror}).") from None


def _open(home: Home, name: str):
    found = home.find(name)
    if found is None:
        raise CliError(f"There is no workbook called '{name}' in {home.path}.")
    return home.open(found.slug)


def _home(args) -> Home:
    home = Home(args.home)
    home.ensure()
    return home


def _guarded(func):
    def run(args):
        try:
            return func(args)
        except ShareError as exc:
            raise CliError(str(exc)) from None

    return run


def cmd_prepare(args) -> int:
    prompts: dict[int, list[str]] = {}
    for item in args.prompt or []:
        stage, _, text = item.partition(":")
        if not stage.strip().isdigit() or not text.strip():
            raise CliError(
                f"Write each question as STAGE:TEXT, for example 2:What felt unfair? (got {item!r})."
            )
        prompts.setdefault(int(stage), []).append(text)
    practice = exchange.practice_home(_home(args))
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
    print(f"Made a client copy '{slug}' in {practice.path} and the start file {out}.")
    return 0


def cmd_start_from(args) -> int:
    home = _home(args)
    with exchange.start_from(home, _read(args.file), name=args.name) as wb:
        home.set_current(wb.path.stem)
        print(f"Made the workbook '{wb.name}' from the start file.")
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
    print(f"Saved the share file {out} (only you can read it on this computer).")
    return 0


def cmd_import(args) -> int:
    practice = exchange.practice_home(_home(args))
    data = _read(args.file)
    result = _opened(args, lambda passphrase: exchange.import_share(practice, data, passphrase=passphrase))
    print(
        f"Brought in {result.alias}: {result.added} new, {result.known} already here. "
        f"Shared stages: {', '.join(map(str, result.stages))}."
    )
    return 0


def cmd_clients(args) -> int:
    home = Home(args.home)
    home.check()  # a home that can't be read or written says so, rather than "No clients yet"
    practice = exchange.practice_home(home)
    found = exchange.clients(practice)
    if not found:
        print("No clients yet.")
    names = text.labels((c.alias, c.slug) for c in found)
    for c in found:
        if c.problem:
            print(f"{names[c.slug]} ({c.slug}): {c.problem}")
            continue
        print(
            f"{names[c.slug]} ({c.slug}): last activity {c.last_activity[:16].replace('T', ' ') or 'none yet'}; "
            f"shared {', '.join(map(str, c.shared_stages)) or 'nothing yet'}; "
            f"done {', '.join(map(str, c.stages_done)) or 'none'}; notes {c.notes}"
        )
    return 0


def cmd_annotate(args) -> int:
    practice = exchange.practice_home(_home(args))
    with _open(practice, args.client) as wb:
        exchange.annotate(wb, args.stage, args.text)
    print(f"Saved your note on stage {args.stage}.")
    return 0


def cmd_return(args) -> int:
    practice = exchange.practice_home(_home(args))
    with _open(practice, args.client) as wb:
        out = exchange.check_out(args.out or exchange.file_name(wb.name, "notes"), force=args.force)
        data = exchange.return_notes(wb, passphrase=_passphrase(args, confirm=True))
        out = exchange.save_file(data, out, force=args.force)
    print(f"Saved the notes file {out}.")
    return 0


def cmd_open_return(args) -> int:
    with _open(_home(args), args.workbook) as wb:
        data = _read(args.file)
        counts = _opened(args, lambda passphrase: exchange.open_return(wb, data, passphrase=passphrase))
    print(f"Added {counts['added']} notes and questions from your therapist.")
    return 0


def cmd_report(args) -> int:
    home = _home(args)
    where = exchange.practice_home(home) if args.client else home
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
    print(f"Saved the report {out}.")
    return 0


def add_commands(sub, common) -> None:
    """Add the round-trip verbs to the `rejection-workbook` parser."""

    def add(name, func, help_text):
        parser = sub.add_parser(name, parents=[common], help=help_text)
        parser.set_defaults(func=_guarded(func))
        return parser

    def output(parser, *, required=False, what="the file"):
        parser.add_argument("--out", required=required, help=f"where to save {what}")
        parser.add_argument("--force", action="store_true", help="replace a file that is already there")

    def protect(parser):
        parser.add_argument(
            "--passphrase", action="store_true", help=f"ask for a passphrase (or set ${PASSPHRASE_ENV})"
        )

    p = add("prepare", cmd_prepare, "therapist: make a start file for a new client")
    p.add_argument("alias", help="the client's name or alias")
    p.add_argument("--welcome", help="a welcome note")
    p.add_argument("--stages", help="stages that are on, e.g. 1,2,3 (default: all)")
    p.add_argument("--prompt", action="append", help="a question of your own, as STAGE:TEXT (repeatable)")
    output(p, what="the start file")

    p = add("start-from", cmd_start_from, "client: make a workbook from a therapist's start file")
    p.add_argument("file")
    p.add_argument("--name", help="a name for the new workbook")

    p = add("share", cmd_share, "client: save chosen stages as a share file")
    p.add_argument("workbook", help="the workbook's name")
    p.add_argument("--stages", required=True, help="stages to share, e.g. 1,2")
    p.add_argument("--include-removed", action="store_true", help="also send entries you removed")
    output(p, what="the share file")
    protect(p)

    p = add("import", cmd_import, "therapist: bring a client's share file into the practice folder")
    p.add_argument("file")
    protect(p)

    add("clients", cmd_clients, "therapist: list the clients in the practice folder")

    p = add("annotate", cmd_annotate, "therapist: write a note on a stage of a client's copy")
    p.add_argument("client", help="the client's name or alias")
    p.add_argument("stage", type=int, choices=range(0, 6), help="the stage (0 = the whole workbook)")
    p.add_argument("text")

    p = add("return", cmd_return, "therapist: save a notes file for a client")
    p.add_argument("client")
    output(p, what="the notes file")
    protect(p)

    p = add("open-return", cmd_open_return, "client: add the notes from a therapist's notes file")
    p.add_argument("workbook")
    p.add_argument("file")
    protect(p)

    p = add("report", cmd_report, "a printable report (.html, .pdf, or .zip with CSV tables)")
    p.add_argument("workbook", help="a workbook's name (with --client, a client's name)")
    output(p, required=True, what="the report: report.html, report.pdf or report.zip")
    p.add_argument("--stages", help="only these stages, e.g. 1,2")
    p.add_argument("--client", action="store_true", help="a client copy from the practice folder")
