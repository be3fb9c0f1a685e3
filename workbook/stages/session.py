"""Which home and workbook a page writes to (a `Session`), found from the page's link."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import content
from ..cipher import Locked
from ..store import Home, Workbook, WorkbookError, check_slug, practice_home
from .autosave import flush_waiting_saves
from .links import LINKS_FILES, default_links
from .logfile import setup_log
from .query import query_param


@dataclass
class Session:
    """Which home and workbook a page writes to; every page of the app shares one."""

    home: Home
    slug: str | None
    workbook: Workbook | None
    problem: str | None = None
    client: bool = False  # a therapist's read-only view of a client copy (?client=<slug>)
    links: str = LINKS_FILES
    locked: str | None = None  # a locked workbook the page was asked to open, waiting for its passphrase
    on_switch: list[Callable[[], None]] = field(default_factory=list)

    def switch_to(self, slug: str) -> None:
        """Write to another workbook from now on and remember it as the current one.

        Writing still waiting for a pause is saved first, into the workbook it was typed
        for; then every page sharing this session is told (the app rebuilds them).
        """
        try:
            opened = self.home.open(slug, read_only=self.client)  # a client's copy stays read-only
        except Locked:  # chosen on the start page: its passphrase is asked there (stages/lock.py)
            self.locked = slug
            raise
        flush_waiting_saves()
        if self.workbook is not None:
            self.workbook.close()
        if not self.client:
            self.home.set_current(slug)
        self.slug, self.workbook, self.problem, self.locked = slug, opened, None, None
        for callback in list(self.on_switch):
            callback()

    def rebuild_pages(self) -> None:
        """Every page sharing this session is built afresh (the language or country changed)."""
        for callback in list(self.on_switch):
            callback()


def use_saved_choices(wb: Workbook | None) -> None:
    """The language and country saved with a workbook (on the start page) apply to every
    page built for it; a workbook without a choice has the defaults."""
    if wb is not None:
        content.set_language(wb.meta("language"))
        content.set_country(wb.meta("country"))


def open_session(home: str | os.PathLike | None = None, slug: str | None = None) -> Session:
    """Find the workbook a page should write to: `slug`, else ?workbook=, else the current one.

    A bad or unknown slug from a link is never trusted: the page then opens no workbook
    and says why, rather than writing somewhere the person did not choose.
    """
    return session_for(
        Home(home), slug=slug or query_param("workbook"), client=None if slug else query_param("client")
    )


def session_for(
    home: Home, *, slug: str | None = None, client: str | None = None, links: str | None = None
) -> Session:
    """The session for a link's `?workbook=` (`slug`) or `?client=` (a therapist's view).

    Both come from a link, so neither is trusted: a bad or unknown one opens no workbook
    and the page says why, rather than writing somewhere the person did not choose.
    """
    links = links or default_links()
    setup_log(home)
    if client:
        return open_client(home, client, links=links)
    try:
        if slug:
            check_slug(slug)
        chosen = slug or home.current()
        if not chosen:
            return Session(home, None, None, links=links)
        return Session(home, chosen, home.open(chosen), links=links)
    except Locked as exc:  # its passphrase is asked on the start page (stages/lock.py)
        return Session(home, None, None, str(exc), links=links, locked=chosen)
    except WorkbookError as exc:
        return Session(home, None, None, str(exc), links=links)


def open_client(home: Home, slug: str, *, links: str = LINKS_FILES) -> Session:
    """A read-only session on a client copy in the practice folder (see `workbook.exchange`).

    Every write to it is refused (with a calm message), whatever the page sends.
    """
    try:
        practice = practice_home(home)
        wb = practice.open(check_slug(slug), read_only=True)
    except Locked as exc:  # the practice's passphrase is asked on the start page (stages/lock.py)
        return Session(practice, None, None, str(exc), client=True, links=links, locked=slug)
    except WorkbookError as exc:
        return Session(home, None, None, str(exc), links=links)
    return Session(practice, slug, wb, client=True, links=links)
