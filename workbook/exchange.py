"""The therapist/client round-trip, as named verbs over exchange files.

Like nbgrader's release / fetch / submit / collect / feedback, each step of the
round-trip is one verb, and the transport (a file handed over by any means) is kept
apart in `workbook.share`:

==============  ===========  ===================================================
verb            who          what it does
==============  ===========  ===================================================
`prepare`       therapist    makes a client copy in the practice folder (alias,
                             welcome note, stages that are on, own prompts) and
                             returns the *start file* to hand over
`start_from`    client       makes a workbook from a start file
`share`         client       returns a *share file* with the chosen stages only
`import_share`  therapist    brings a share file into the practice folder; adds
                             what is new, overwrites and loses nothing
`annotate`      therapist    writes a note for a stage of a client copy
`return_notes`  therapist    returns the *notes file* carrying the notes
`open_return`   client       adds the notes in a notes file to the workbook
==============  ===========  ===================================================

The practice folder is a `Home` of client copies, kept in ``practice/`` inside the
therapist's workbook home. A client copy and the client's own workbook share an
*exchange id* (meta ``exchange_id``), which is how files find their workbook.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import messages, model, registry, share
from .errors import InvalidEntry, Words, WorkbookError
from .files import atomic_write
from .progress import stage_progress
from .share import ShareError
from .store import NAME_MAX, Entry, Home, Workbook, check_name, disk_full_or, slugify
from .store import practice_home as practice_home  # lives with Home; the exchange's callers find it here
from .text import clean_text


def say(key: str, **values) -> str:
    """Words about share, start and notes files (data/text/messages.toml, [exchange])."""
    return messages.say(f"exchange.{key}", **values)


MAX_PROMPTS_PER_STAGE = 20
# a client copy's meta: the client's latest activity before the latest share that brought new entries
ACTIVITY_BEFORE_LAST_SHARE = "activity_before_last_share"


@dataclass(frozen=True)
class ImportResult:
    """What `import_share` did: which client copy, how many versions were new."""

    slug: str
    alias: str
    added: int
    known: int
    stages: list[int]
    new_client: bool


@dataclass(frozen=True)
class ClientSummary:
    """One client on the practice page."""

    slug: str
    alias: str
    last_activity: str  # the client's latest entry in what they shared (ISO UTC), or ""
    shared_stages: list[int]
    stages_done: list[int]
    notes: int
    problem: str = ""  # why the copy can't be opened, or ""


def exchange_id(wb: Workbook) -> str:
    """The id files use to find this workbook (set by a start file, else the workbook's own id)."""
    return wb.meta("exchange_id") or wb.meta("id")


def check_stages(stages: Iterable, *, what: str = "share") -> list[int]:
    """Stages of the method (see workbook.registry) as a sorted list; InvalidEntry when none are chosen or one is not a stage."""
    try:
        chosen = sorted({int(s) for s in stages})
    except (TypeError, ValueError):
        raise InvalidEntry("exchange.stage_numbers") from None
    if not chosen:
        raise InvalidEntry(
            "exchange.choose_stage_turn_on" if what == "turn_on" else "exchange.choose_stage_share"
        )
    if any(s not in registry.method_numbers() for s in chosen):
        raise InvalidEntry("exchange.stage_numbers")
    return chosen


def _unique_name(home: Home, name: str) -> str:
    taken = {info.name.casefold() for info in home.list()}
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = f"{name[: NAME_MAX - len(suffix)].rstrip()}{suffix}"
    return check_name(candidate)


def _find(home: Home, wanted_id: str) -> Workbook | None:
    for info in home.list():
        try:
            wb = home.open(info.slug)
        except WorkbookError:
            continue
        if exchange_id(wb) == wanted_id:
            return wb
        wb.close()
    return None


# -- therapist: prepare ----------------------------------------------------------------------
def prepare(
    practice: Home,
    alias: str,
    *,
    welcome_note: str = "",
    stages_on: Iterable[int] | None = None,
    prompts: dict[int, Iterable[str]] | None = None,
    deliver: Callable[[bytes], object] | None = None,
) -> tuple[str, bytes]:
    """Make a client copy in the practice folder; returns (its slug, the start file's bytes).

    `deliver(start_file)` (say, saving it with --out) runs before the copy is finished: if it
    fails, no client copy is left behind, so trying again works.
    """
    alias = check_name(alias)
    stages_on = check_stages(registry.method_numbers() if stages_on is None else stages_on, what="turn_on")
    welcome_note = clean_text(welcome_note or "", what=Words("messages", "exchange.welcome_word")).strip()
    if len(welcome_note) > share.MAX_WELCOME:
        raise InvalidEntry("exchange.welcome_long", n=share.MAX_WELCOME)
    clean_prompts: list[tuple[int, str]] = []
    for stage, texts in (prompts or {}).items():
        texts = [t.strip() for t in texts if t and t.strip()]
        if len(texts) > MAX_PROMPTS_PER_STAGE:
            raise InvalidEntry("exchange.too_many_prompts", n=MAX_PROMPTS_PER_STAGE)
        for text in texts:
            clean_prompts.append(
                (int(stage), model.validate("therapist_prompt", {"stage": stage, "text": text})["text"])
            )
    practice.ensure()
    with practice.creating(alias) as wb:
        wb.set_meta("exchange_id", uuid.uuid4().hex)
        wb.set_meta("role", "client copy")
        wb.set_meta("welcome_note", welcome_note)
        wb.set_meta("stages_on", stages_on)
        wb.set_meta("shared_stages", [])
        for stage, text in clean_prompts:
            wb.put("therapist_prompt", {"stage": stage, "text": text}, author="therapist")
        data = start_file(wb)
        if deliver is not None:
            deliver(data)
    return wb.path.stem, data


def start_file(wb: Workbook) -> bytes:
    """The start file of a client copy: welcome note, stages that are on, the therapist's prompts.

    What the therapist calls the client (the copy's name) stays with the therapist: the file
    is named for no one, and the client's workbook gets a name of the client's own."""
    prompts = [r for r in wb.history(kind="therapist_prompt") if r.author == "therapist"]
    stages_on = wb.meta("stages_on") or list(registry.method_numbers())
    return share.write(
        "start",
        exchange_id=exchange_id(wb),
        name=say("new_workbook"),
        stages=stages_on,
        revisions=prompts,
        meta={"welcome_note": wb.meta("welcome_note") or "", "stages_on": stages_on},
    )


# -- client: start from a file, share, open notes --------------------------------------------
def start_from(home: Home, data: bytes, *, name: str | None = None) -> Workbook:
    """Make a workbook from a therapist's start file, called `name` (else "My workbook", in
    the person's language); returns it open.

    The name in the file is not used: in files made by earlier versions it was what the
    therapist calls the client, which is the therapist's own. ShareError (nothing made) for a
    bad file or one already started from.
    """
    bundle = share.read(data, expect="start")
    name = check_name(name or say("new_workbook"))
    existing = _find(home, bundle.exchange_id)
    if existing is not None:
        found = existing.name
        existing.close()
        raise ShareError("workbook.already_started", name=found)
    home.ensure()
    with home.creating(_unique_name(home, name)) as wb:
        wb.set_meta("exchange_id", bundle.exchange_id)
        wb.set_meta("welcome_note", bundle.meta.get("welcome_note", ""))
        wb.set_meta("stages_on", bundle.meta.get("stages_on", list(registry.method_numbers())))
        wb.apply_revisions(bundle.revisions)
    return Workbook.open(wb.path)


def share_revisions(wb: Workbook, stages: Iterable[int], *, include_removed: bool = False):
    """The saved versions a share of `stages` carries (every version, so nothing is lost in a merge).

    Only the person's own writing travels: the therapist's prompts and notes are theirs already
    (and a share file carrying them is refused). Entries the person removed stay behind unless
    `include_removed` is set.
    """
    chosen = set(check_stages(stages))
    history = wb.history()
    removed = (
        set() if include_removed else {e.entry_id for e in wb.entries(include_deleted=True) if e.deleted}
    )
    prompts = registry.question_stages(history)
    return [
        r
        for r in history
        if r.author == share.AUTHOR_OF["share"]
        and r.kind in share.allowed_kinds("share")
        and r.entry_id not in removed
        and registry.stage_of(r, prompts) in chosen
    ]


def share_name(wb: Workbook) -> str:
    """The name a share file carries: the workbook's own (a workbook started from a therapist's
    file by an earlier version kept the therapist's name for it as `alias`: that one, then)."""
    return wb.meta("alias") or wb.name


def share_file(
    wb: Workbook,
    stages: Iterable[int],
    *,
    passphrase: str | None = None,
    include_removed: bool = False,
) -> bytes:
    """The share file of `stages` (everything else never leaves); sealed with `passphrase` if given."""
    chosen = check_stages(stages)
    return share.write(
        "share",
        exchange_id=exchange_id(wb),
        name=share_name(wb),
        stages=chosen,
        revisions=share_revisions(wb, chosen, include_removed=include_removed),
        passphrase=passphrase or None,
    )


def open_return(wb: Workbook, data: bytes, *, passphrase: str | None = None) -> dict[str, int]:
    """Add the therapist's notes from a notes file to `wb`; returns the merge counts."""
    bundle = share.read(data, passphrase=passphrase, expect="return")
    if bundle.exchange_id != exchange_id(wb):
        raise ShareError("workbook.other_workbook", theirs=bundle.name, this=wb.name)
    return wb.apply_revisions(bundle.revisions)


# -- therapist: import, annotate, return -----------------------------------------------------
def import_share(practice: Home, data: bytes, *, passphrase: str | None = None) -> ImportResult:
    """Bring a client's share file into the practice folder.

    Versions already there are left as they are; new ones are added; an entry edited on
    both sides keeps both versions. A bad file raises ShareError and changes nothing.
    """
    bundle = share.read(data, passphrase=passphrase, expect="share")
    practice.ensure()
    wb = _find(practice, bundle.exchange_id)
    if wb is not None:
        with wb:
            return _bring_in(wb, bundle, new_client=False)
    # a first import makes the client copy whole or not at all (see `Home.creating`)
    with practice.creating(_unique_name(practice, bundle.name)) as wb:
        wb.set_meta("exchange_id", bundle.exchange_id)
        wb.set_meta("role", "client copy")
        result = _bring_in(wb, bundle, new_client=True)
    return dataclasses.replace(result, slug=wb.path.stem)


def _bring_in(wb: Workbook, bundle: share.Bundle, *, new_client: bool) -> ImportResult:
    counts = wb.apply_revisions(bundle.revisions)
    shared = sorted(set(wb.meta("shared_stages") or []) | set(bundle.stages))
    wb.set_meta("shared_stages", shared)
    wb.set_meta("client_name", bundle.name)  # the client's own name for their workbook
    theirs = [r.written_at for r in bundle.revisions if r.author == "me"]
    before = wb.meta("client_last_activity") or ""
    last = max([before, *theirs])
    if last > before:  # something new of theirs: the caseload compares feelings since `before`
        wb.set_meta(ACTIVITY_BEFORE_LAST_SHARE, before)
    wb.set_meta("client_last_activity", last)
    wb.set_meta("last_import", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    return ImportResult(wb.path.stem, wb.name, counts["added"], counts["known"], shared, new_client)


def annotate(wb: Workbook, stage: int, text: str) -> Entry:
    """Write a therapist's note for `stage` (0 = the whole workbook) in a client copy."""
    return wb.put("therapist_note", {"stage": stage, "text": text}, author="therapist")


def add_prompt(wb: Workbook, stage: int, text: str) -> Entry:
    """Add a therapist's question for `stage` (it travels with the next notes file)."""
    return wb.put("therapist_prompt", {"stage": stage, "text": text}, author="therapist")


def return_notes(wb: Workbook, *, passphrase: str | None = None) -> bytes:
    """The notes file for a client copy: every version of the therapist's notes and prompts."""
    revisions = [
        r for r in wb.history() if r.kind in share.allowed_kinds("return") and r.author == "therapist"
    ]
    stages = {int(r.data["stage"]) for r in revisions} & set(registry.method_numbers())
    return share.write(
        "return",
        exchange_id=exchange_id(wb),
        name=wb.meta("client_name") or say("new_workbook"),  # never what the therapist calls them
        stages=sorted(stages),
        revisions=revisions,
        passphrase=passphrase or None,
    )


def clients(practice: Home) -> list[ClientSummary]:
    """Every client copy in the practice folder, most recently active first.

    A copy that can't be opened is listed with its problem (and nothing else).
    """
    found = []
    for info in practice.list():
        try:
            wb = practice.open(info.slug)
        except WorkbookError as exc:
            found.append(ClientSummary(info.slug, info.name, "", [], [], 0, problem=str(exc)))
            continue
        with wb:
            found.append(
                ClientSummary(
                    info.slug,
                    wb.name,
                    wb.meta("client_last_activity") or "",
                    list(wb.meta("shared_stages") or []),
                    [p.stage for p in stage_progress(wb) if p.done],
                    len(wb.entries("therapist_note")),
                )
            )
    return sorted(found, key=lambda c: (c.last_activity, c.alias), reverse=True)


# -- files -----------------------------------------------------------------------------------
def file_name(name: str, what: str) -> str:
    """A plain file name for a file about `name`, e.g. 'alex-share-2026-11-26.rwshare'."""
    base = slugify(name)
    return f"{base}-{what}-{dt.date.today().isoformat()}{share.SUFFIX}"


def check_out(path: str | os.PathLike, *, force: bool = False) -> Path:
    """`path` if a file can be saved there; WorkbookError (saying what to do) if not.

    An existing file is replaced only with `force`.
    """
    path = Path(path).expanduser()
    folder = path.parent
    if not folder.is_dir():
        raise WorkbookError("exchange.no_folder", folder=str(folder))
    if path.is_dir():
        raise WorkbookError("exchange.is_folder", path=str(path), example=file_name("alex", "share"))
    if path.exists() and not force:
        raise WorkbookError("exchange.file_exists_force", path=str(path))
    if not os.access(folder, os.W_OK):
        raise WorkbookError("exchange.folder_cant_write", folder=str(folder))
    return path


def save_file(data: bytes, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write `data` to `path`, readable and writable by its owner only; returns the path.

    The file appears whole or not at all; an existing file is replaced only with `force`
    (WorkbookError otherwise, as for a missing folder or a full disk).
    """
    path = check_out(path, force=force)
    try:
        atomic_write(path, data, replace=force)
    except FileExistsError:
        raise WorkbookError("exchange.file_exists", path=str(path)) from None
    except OSError as exc:
        not_saved = WorkbookError("exchange.not_saved", path=str(path), reason=exc.strerror)
        raise disk_full_or(exc, not_saved) from exc
    return path
