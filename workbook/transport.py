"""How work travels between a client and their therapist: one set of verbs, two ways to carry it.

Like nbgrader's `Exchange`, the round trip is the same whichever way it goes; only the carrying
differs. Both backends make and read exactly today's files (`workbook.exchange`):

==================  =========  ====================================  ==============================
verb                who        `Files` (a file handed over)          `Hub` (the practice server)
==================  =========  ====================================  ==============================
`deliver_start`     therapist  a client copy, and its start file     a client copy, and a code to
                               to offer as a download                hand over in person
`receive_start`     client     a workbook from an uploaded start     a workbook from the code
                               file
`send_share`        client     the share file to offer               sealed and sent
`collect`           therapist  an uploaded share file brought in     the inbox brought in
`send_notes`        therapist  the notes file to offer               sealed and sent
`receive_notes`     client     an uploaded notes file opened         the notes sent back, opened
==================  =========  ====================================  ==============================

`chosen()` is the one place that decides how the pages send: by the practice server when the
app runs on one (`workbook.hub.client.on_hub`), by files otherwise. File hand-over (`FILES`)
stays on every page either way, for a file wanted as well. `using(backend)` puts another one in
its place (the tests' in-memory exchange).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from . import exchange
from .exchange import ImportResult
from .hub import client as hub
from .store import Home, Workbook


@dataclass(frozen=True)
class Handed:
    """What a sending verb leaves for the page to show: the file to offer as a download (by
    files), or the code to say aloud (an invitation on the server); nothing more when it went
    through the server."""

    data: bytes = b""
    file_name: str = ""
    code: str = ""
    slug: str = ""  # `deliver_start` by files: the client copy it made


class Transport(Protocol):
    """The round trip's verbs. `given` is what the person brought: the bytes of an uploaded
    file (by files) or the code they were handed (joining on the server; None otherwise).
    `passphrase` seals or opens a file (by files), or unlocks the therapist's key (on the
    server)."""

    by_server: bool  # True: the practice server carries the work (the pages say "on this server")

    def deliver_start(
        self,
        practice: Home,
        name: str,
        *,
        stages: Iterable[int] | None = None,
        welcome: str = "",
        prompts: dict[int, Iterable[str]] | None = None,
    ) -> Handed: ...

    def receive_start(self, home: Home, given, *, name: str | None = None) -> Workbook: ...

    def send_share(self, wb: Workbook, stages: Iterable[int], *, passphrase: str | None = None) -> Handed: ...

    def collect(self, practice: Home, given=None, *, passphrase: str | None = None) -> list[ImportResult]: ...

    def send_notes(self, client_wb: Workbook, *, passphrase: str | None = None) -> Handed: ...

    def receive_notes(self, wb: Workbook, given=None, *, passphrase: str | None = None) -> dict[str, int]: ...


class Files:
    """The hand-over by files: each verb returns the file to offer or takes the one uploaded."""

    by_server = False

    def deliver_start(self, practice, name, *, stages=None, welcome="", prompts=None) -> Handed:
        slug, data = exchange.prepare(practice, name, welcome_note=welcome, stages_on=stages, prompts=prompts)
        return Handed(data, exchange.file_name(name.strip(), "start"), slug=slug)

    def receive_start(self, home, given, *, name=None) -> Workbook:
        return exchange.start_from(home, given, name=name)

    def send_share(self, wb, stages, *, passphrase=None) -> Handed:
        data = exchange.share_file(wb, stages, passphrase=passphrase)
        return Handed(data, exchange.file_name(exchange.share_name(wb), "share"))

    def collect(self, practice, given=None, *, passphrase=None) -> list[ImportResult]:
        return [exchange.import_share(practice, given, passphrase=passphrase)]

    def send_notes(self, client_wb, *, passphrase=None) -> Handed:
        data = exchange.return_notes(client_wb, passphrase=passphrase)
        return Handed(data, exchange.file_name(client_wb.name, "notes"))

    def receive_notes(self, wb, given=None, *, passphrase=None) -> dict[str, int]:
        return exchange.open_return(wb, given, passphrase=passphrase)


class Hub:
    """The practice server (`workbook.hub.client`): sealed in the person's own kernel, carried
    by the exchange service. Beside the verbs, what only the server has: the therapist's key,
    the codes handed out, who is asking."""

    by_server = True

    def deliver_start(self, practice, name, *, stages=None, welcome="", prompts=None) -> Handed:
        return Handed(code=hub.invite(practice, name=name, stages=stages, welcome=welcome))

    def receive_start(self, home, given, *, name=None) -> Workbook:
        return hub.join(home, given, name=name)

    def send_share(self, wb, stages, *, passphrase=None) -> Handed:
        hub.send(wb, stages)
        return Handed()

    def collect(self, practice, given=None, *, passphrase=None) -> list[ImportResult]:
        return hub.collect(practice, passphrase=passphrase)

    def send_notes(self, client_wb, *, passphrase=None) -> Handed:
        hub.send_notes(client_wb, passphrase=passphrase)
        return Handed()

    def receive_notes(self, wb, given=None, *, passphrase=None) -> dict[str, int]:
        return hub.receive(wb)

    # -- what only the server has ------------------------------------------------------------
    def linked(self, wb: Workbook) -> bool:
        return hub.linked(wb)

    def whoami(self) -> dict:
        return hub.whoami()

    def ensure_keys(self, passphrase=None, *, home=None) -> str:
        return hub.ensure_keys(passphrase, home=home)

    def key_backup(self, passphrase, *, unlock=None, home=None) -> bytes:
        return hub.key_backup(passphrase, unlock=unlock, home=home)

    def key_restore(self, data, passphrase, *, home=None) -> str:
        return hub.key_restore(data, passphrase, home=home)

    def open_invitations(self, practice: Home) -> list[dict]:
        return hub.open_invitations(practice)

    def withdraw(self, invitation: str) -> None:
        hub.withdraw(invitation)


FILES = Files()
_instead: list[Transport] = []  # set by `using`


def chosen() -> Transport:
    """How the pages send work: the practice server when the app runs on one, files otherwise."""
    if _instead:
        return _instead[-1]
    return Hub() if hub.on_hub() else FILES


@contextlib.contextmanager
def using(backend: Transport) -> Iterator[Transport]:
    """`chosen()` is `backend` inside this block (the tests' in-memory exchange)."""
    _instead.append(backend)
    try:
        yield backend
    finally:
        _instead.remove(backend)
