"""The app's side of the hub exchange: the verbs of `workbook.exchange`, carried by the service.

Everything people write is sealed here, in their own kernel, before it leaves: the service
stores and hands over sealed envelopes (see `workbook.hub.crypto`) and never sees the words.
Outside a hub (`on_hub()` is False) nothing here is used and file hand-over stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..exchange import ImportResult
from ..store import Home, Workbook


class HubError(Exception):
    """Refused or failed; str(err) is one calm, plain sentence for the person (from data/text)."""


def on_hub() -> bool:
    """True inside a JupyterHub single-user server that has the exchange service
    (JUPYTERHUB_API_TOKEN and JUPYTERHUB_SERVICE_PREFIX set, service reachable at
    $REJECTION_WORKBOOK_EXCHANGE_URL or the hub's /services/rejection-exchange/)."""
    raise NotImplementedError


def whoami() -> dict:
    """{"name": str, "therapist": bool} for the person logged in."""
    raise NotImplementedError


# -- client side ------------------------------------------------------------------------------
def join(home: Home, code: str, *, name: str | None = None) -> Workbook:
    """Redeem the invitation code the therapist handed over in person; returns the new workbook.

    The code carries the therapist key's fingerprint: a different key from the service is
    refused with HubError (a plain warning) and nothing is written."""
    raise NotImplementedError


def send(wb: Workbook, stages: Iterable[int]) -> int:
    """Seal the share file of `stages` to the therapist's key and send it; returns 1."""
    raise NotImplementedError


def receive(wb: Workbook) -> dict[str, int]:
    """Fetch, open and add the therapist's notes for `wb`; the merge counts, as `open_return`."""
    raise NotImplementedError


def linked(wb: Workbook) -> bool:
    """True when this workbook is linked to a therapist on this hub."""
    raise NotImplementedError


# -- therapist side ---------------------------------------------------------------------------
def ensure_keys(passphrase: str | None = None) -> str:
    """Make the key pair once (private key 0600 in the home); returns its fingerprint."""
    raise NotImplementedError


def key_backup(passphrase: str) -> bytes:
    """A passphrase-protected backup file of the private key."""
    raise NotImplementedError


def key_restore(data: bytes, passphrase: str) -> str:
    """Restore the private key from a backup; returns its fingerprint."""
    raise NotImplementedError


def invite(practice: Home, *, name: str, stages: Iterable[int], welcome: str = "") -> str:
    """Prepare a client copy and register its invitation; returns the code to hand over."""
    raise NotImplementedError


def collect(practice: Home) -> list[ImportResult]:
    """Fetch the inbox, open each envelope and bring it in (`exchange.import_share`)."""
    raise NotImplementedError


def send_notes(client_wb: Workbook) -> int:
    """Seal the notes file of a client copy to the client's key and send it; returns 1."""
    raise NotImplementedError
