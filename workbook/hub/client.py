"""The app's side of the hub exchange: the verbs of `workbook.exchange`, carried by the service.

Everything people write is sealed here, in their own kernel, before it leaves: the service
stores and hands over sealed envelopes (see `workbook.hub.crypto`) and never sees the words.
An envelope carries exactly today's share file (or notes file), without a passphrase, so
importing and merging are `exchange.import_share` / `exchange.open_return` as for a file.
Outside a hub (`on_hub()` is False) nothing here is used and file hand-over stays as it is.

What each side keeps (meta ``hub`` of a workbook):

- the client's workbook: the invitation it came from (``link``), the therapist's hub name and
  key, checked with the code (its MAC under the code's secret; a long code's fingerprint);
- the therapist's client copy: the invitation (``link``) and its secret, with which the
  therapist checks the key the client proved before sealing notes to it.

Each person's key pair is in their workbook home (`crypto.KEY_FILE`); a therapist's is the
home that holds the practice folder. Talking to the service (its address, each request, what
a refusal says: `HubError`) is `workbook.hub.wire`'s; its names are found here too.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import os
import time
import uuid
from collections.abc import Callable, Iterable

from .. import cipher, exchange, share
from ..errors import InvalidEntry, Problem, WorkbookError
from ..exchange import ImportResult
from ..store import PRACTICE_DIR, Home, Workbook
from . import crypto
from .wire import SERVICE_PATH as SERVICE_PATH  # talking to the service lives in wire.py; its
from .wire import TIMEOUT as TIMEOUT  # names are found here too, as they always were
from .wire import URL_ENV as URL_ENV
from .wire import HubError as HubError
from .wire import _refused as _refused
from .wire import _request as _request
from .wire import _say as _say
from .wire import exchange_tls as exchange_tls
from .wire import on_hub as on_hub
from .wire import service_url as service_url
from .wire import whoami as whoami

META = "hub"


def _plainly(exc: Problem) -> HubError:
    """A refusal from the workbook's own checks (a bad file, a name taken) as a HubError."""
    return HubError(problem=exc)


# -- keys -------------------------------------------------------------------------------------
def _home_path(home: Home | str | os.PathLike | None):
    return home.path if isinstance(home, Home) else Home(home).path


def ensure_keys(passphrase: str | None = None, *, home: Home | str | os.PathLike | None = None) -> str:
    """Make the key pair once (private key 0600 in the home, sealed under `passphrase` if
    given); returns its fingerprint. An existing key is kept as it is."""
    path = _home_path(home)
    try:
        public = crypto.read_public(path)
        if public is None:
            Home(path).ensure()
            private = crypto.new_private_key()
            crypto.save_key(path, private, passphrase or None)
            public = crypto.public_bytes(private)
    except (crypto.CryptoError, WorkbookError) as exc:
        raise _plainly(exc) from None
    return crypto.fingerprint(public)


def _private(path, passphrase: str | None = None):
    """The private key; a sealed one opened with `passphrase`, or once before in this process."""
    try:
        private = None if passphrase else crypto.opened_key(path)
        if private is None:
            private = crypto.load_key(path, passphrase)
            if passphrase and private is not None:
                crypto.remember_key(path, private)
    except crypto.CryptoError as exc:
        raise _plainly(exc) from None
    if private is None:
        raise HubError("client.no_keys")
    return private


def key_backup(
    passphrase: str, *, unlock: str | None = None, home: Home | str | os.PathLike | None = None
) -> bytes:
    """A passphrase-protected backup file of the private key (`unlock` opens a key kept
    under another passphrase; by default `passphrase` is tried)."""
    private = _private(_home_path(home), unlock or passphrase)
    try:
        return crypto.backup(private, passphrase)
    except crypto.CryptoError as exc:
        raise _plainly(exc) from None


def key_restore(data: bytes, passphrase: str, *, home: Home | str | os.PathLike | None = None) -> str:
    """Restore the private key from a backup (kept 0600 in the home); returns its fingerprint.

    A different key already there is kept beside it (``hub-key.json.replaced-<time>``)."""
    path = _home_path(home)
    try:
        private = crypto.restore(data, passphrase)
        current = crypto.key_path(path)
        if current.exists() and crypto.read_public(path) != crypto.public_bytes(private):
            os.replace(current, current.with_name(f"{current.name}.replaced-{int(time.time())}"))
        Home(path).ensure()
        crypto.save_key(path, private)
    except (crypto.CryptoError, WorkbookError) as exc:
        raise _plainly(exc) from None
    return crypto.fingerprint(crypto.public_bytes(private))


# -- client side ------------------------------------------------------------------------------
def join(home: Home, code: str, *, name: str | None = None) -> Workbook:
    """Redeem the invitation code the therapist handed over in person; returns the new workbook.

    The code is the secret (`crypto.code_secret`; a long code made before short ones also
    carries the therapist key's fingerprint). The service is first asked for the therapist's
    key (proving the secret, without using the code); a key the code doesn't vouch for (its
    MAC under the secret, or the long code's fingerprint) is refused with HubError (a plain
    warning), nothing is written and the code still works. Only then is the code redeemed,
    again proving the secret."""
    try:
        if crypto.is_short_code(code):
            secret, fingerprint = crypto.code_secret(code), None
        else:
            secret, fingerprint = crypto.read_code(code)
    except crypto.CryptoError as exc:
        raise _plainly(exc) from None
    ensure_keys(home=home)
    public = crypto.read_public(home.path)
    link = crypto.invitation_id(secret)
    mac = crypto.redeem_mac(crypto.redeem_verifier(secret), link, public)
    vouched = functools.partial(_therapist_key, secret=secret, link=link, fingerprint=fingerprint)
    found = _request(
        "POST", f"api/invitations/{link}/key", json_body={"public_key": crypto.b64(public), "mac": mac}
    )
    therapist_key = vouched(found)  # before the code is used
    answer = _request(
        "POST",
        f"api/invitations/{link}/redeem",
        json_body={"public_key": crypto.b64(public), "mac": mac, "proof": crypto.key_proof(secret, public)},
    )
    if vouched(answer) != therapist_key:
        raise HubError("client.key_mismatch")
    try:
        start = crypto.open_with_secret(secret, crypto.unb64(answer.get("start")))
        wb = exchange.start_from(home, start, name=name)
    except (crypto.CryptoError, InvalidEntry, WorkbookError) as exc:
        raise _plainly(exc) from None
    wb.set_meta(
        META,
        {
            "link": link,
            "user": os.environ.get("JUPYTERHUB_USER", ""),
            "therapist": str(answer.get("therapist", "")),
            "therapist_key": crypto.b64(therapist_key),
        },
    )
    return wb


def _therapist_key(answer: object, *, secret: bytes, link: str, fingerprint: bytes | None) -> bytes:
    """The therapist's key the service gave, if the code vouches for it (its MAC under the
    code's secret; for a long code, its fingerprint) and it can be sealed to;
    HubError('key_mismatch') if not."""
    try:
        key = crypto.check_peer_key(crypto.unb64(answer.get("therapist_key"), reason="bad_key"))
    except (crypto.CryptoError, AttributeError):
        raise HubError("client.key_mismatch") from None
    if fingerprint is not None:
        vouched = hmac.compare_digest(crypto.fingerprint_bytes(key), fingerprint)
    else:
        vouched = crypto.check_key_mac(secret, link, key, answer.get("key_mac"))
    if not vouched:
        raise HubError("client.key_mismatch")
    return key


def _link(wb: Workbook) -> dict:
    found = wb.meta(META)
    if not isinstance(found, dict) or not found.get("link"):
        raise HubError("client.not_linked")
    return found


def linked(wb: Workbook) -> bool:
    """True when this workbook is linked to a therapist on this hub (as this person)."""
    found = wb.meta(META)
    if not isinstance(found, dict) or not found.get("link") or not found.get("therapist_key"):
        return False
    user = os.environ.get("JUPYTERHUB_USER", "")
    return not user or found.get("user") in ("", user)


def _post_envelope(*, link: str, kind: str, to: str, sealed: bytes) -> int:
    query = {"id": uuid.uuid4().hex, "link": link, "kind": kind, "to": to}
    _request("POST", "api/envelopes", query=query, data=sealed)
    return 1


def _about(kind: str, link: str) -> str:
    """What an envelope says it is and where it belongs (sealed in: `crypto.seal`'s context)."""
    return f"{kind} {link}"


def send(wb: Workbook, stages: Iterable[int]) -> int:
    """Seal the share file of `stages` to the therapist's key, as sealed by this person's own
    key, and send it; returns 1."""
    hub = _link(wb)
    try:
        data = exchange.share_file(wb, stages)
        therapist = crypto.unb64(hub["therapist_key"], reason="bad_key")
        mine = _private(wb.path.parent)
        sealed = crypto.seal(therapist, data, sender=mine, context=_about("share", hub["link"]))
    except HubError:
        raise
    except (InvalidEntry, crypto.CryptoError) as exc:
        raise _plainly(exc) from None
    return _post_envelope(link=hub["link"], kind="share", to=hub["therapist"], sealed=sealed)


def _inbox(kind: str) -> list[dict]:
    return _request("GET", "api/envelopes", query={"kind": kind})["envelopes"]


def _fetch(envelope: dict) -> bytes:
    return _request("GET", f"api/envelopes/{envelope['id']}")


def _done(envelope: dict) -> None:
    _request("POST", f"api/envelopes/{envelope['id']}/received", json_body={})


def receive(wb: Workbook) -> dict[str, int]:
    """Fetch, open and add the therapist's notes for `wb`; the merge counts, as `open_return`.

    Notes that can't be opened (changed on the way, sealed to another key, not sealed by the
    therapist's key this workbook was linked with) are left out and said so (HubError with the
    counts of the rest in `results`)."""
    hub = _link(wb)
    private = _private(wb.path.parent)
    try:
        therapist = crypto.check_public(crypto.unb64(hub.get("therapist_key"), reason="bad_key"))
    except crypto.CryptoError as exc:
        raise _plainly(exc) from None
    totals: dict[str, int] = {}
    refused, why = 0, []
    for envelope in _inbox("notes"):
        if envelope.get("link") != hub["link"]:
            continue  # notes for another of this person's workbooks
        sealed = _fetch(envelope)  # the service failing stops here: it is not a refused note
        try:
            about = _about("notes", hub["link"])
            plain = crypto.open_sealed(private, sealed, sender=therapist, context=about)
            counts = exchange.open_return(wb, plain)
        except (crypto.CryptoError, InvalidEntry) as exc:
            refused += 1
            why += _why(exc)
        else:
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        _done(envelope)
    if refused:
        raise _set_aside(refused, why, totals)
    return totals


def _why(exc: Exception) -> list[Problem]:
    """Why an envelope was refused, when sealing is the reason (a bad file says its own)."""
    return [exc] if isinstance(exc, crypto.CryptoError) else []


def _set_aside(count: int, why: list[Problem], results) -> HubError:
    """What the inbox says of envelopes left out: how many, and why when sealing is the reason
    (each reason once), with what was brought in as `results`."""
    return HubError("client.some_refused", values={"count": count}, reasons=why, results=results)


# -- therapist side ---------------------------------------------------------------------------
def _owner(practice: Home):
    """The workbook home holding a practice folder (where the therapist's key is)."""
    return practice.path.parent if practice.path.name == PRACTICE_DIR else practice.path


def invite(practice: Home, *, name: str, stages: Iterable[int], welcome: str = "") -> str:
    """Prepare a client copy and register its invitation; returns the code to hand over
    (twelve characters, `crypto.new_code`).

    The service gets the public key with its MAC under the code's secret, and the start file
    sealed under that secret, which only the code gives; if it refuses, no client copy is
    left behind."""
    public = crypto.read_public(_owner(practice))
    if public is None:
        raise HubError("client.no_keys")
    code = crypto.new_code()
    secret = crypto.code_secret(code)
    link = crypto.invitation_id(secret)

    def register(start: bytes) -> None:
        _request("PUT", "api/key", json_body={"public_key": crypto.b64(public)})
        sealed = crypto.seal_with_secret(secret, start)
        body = {
            "id": link,
            "public_key": crypto.b64(public),
            "start": crypto.b64(sealed),
            "verifier": crypto.b64(crypto.redeem_verifier(secret)),
            "key_mac": crypto.key_mac(secret, link, public),
        }
        _request("POST", "api/invitations", json_body=body)

    try:
        slug, _start = exchange.prepare(
            practice, name, welcome_note=welcome, stages_on=stages, deliver=register
        )
        with practice.open(slug) as wb:
            wb.set_meta(META, {"link": link, "secret": secret.hex()})
    except HubError:
        raise  # the service's refusal, as it said it (with its status)
    except (InvalidEntry, WorkbookError) as exc:
        raise _plainly(exc) from None
    return code


def _copies_by_link(practice: Home, what: Callable[[Workbook], str] = exchange.exchange_id) -> dict[str, str]:
    """invitation id -> `what` of the client copy made with it (its exchange id, say)."""
    found = {}
    for info in practice.list():
        try:
            with practice.open(info.slug, read_only=True) as wb:
                hub = wb.meta(META)
                if isinstance(hub, dict) and hub.get("link"):
                    found[hub["link"]] = what(wb)
        except WorkbookError:
            continue
    return found


def open_invitations(practice: Home) -> list[dict]:
    """The invitations nobody has used yet that still work, oldest first: dicts of `id`,
    `name` (the client copy's, "" if it isn't in this practice), `created_at`, `expires_at`."""
    now = dt.datetime.now(dt.UTC)
    found = [
        i
        for i in _request("GET", "api/invitations").get("invitations") or []
        if isinstance(i, dict)
        and not i.get("client")
        and not i.get("withdrawn_at")
        and share.ID_RE.fullmatch(str(i.get("id")))
        and _moment(i.get("created_at"))
        and (_moment(i.get("expires_at")) or now) > now
    ]
    names = _copies_by_link(practice, lambda wb: wb.name) if found else {}  # each copy opened: only if needed
    return [
        {
            "id": i["id"],
            "name": names.get(i["id"], ""),
            "created_at": i["created_at"],
            "expires_at": i["expires_at"],
        }
        for i in found
    ]


def _moment(value: object) -> dt.datetime | None:
    """A moment the service wrote (ISO, UTC); None if it isn't one."""
    try:
        return dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    except (TypeError, ValueError):
        return None


def withdraw(invitation: str) -> None:
    """Take back an invitation nobody has used: its code stops working. One already used
    can't be (HubError says so; the client stays linked)."""
    if not isinstance(invitation, str) or not share.ID_RE.fullmatch(invitation):
        raise HubError("client.no_such_invitation")
    _request("DELETE", f"api/invitations/{invitation}")


def collect(practice: Home, *, passphrase: str | None = None) -> list[ImportResult]:
    """Fetch the inbox, open each envelope and bring it in (`exchange.import_share`); each is
    marked received. `passphrase` opens a key kept under one.

    A share is brought only into the client copy its invitation made, and only when the
    client who used that invitation sealed it (their key, proved with the code's secret):
    one claiming another client's workbook is left out, as is one changed on the way or
    sealed by anyone else (HubError at the end, with what was brought in as `results`)."""
    private = _private(_owner(practice), passphrase)
    for info in practice.list() if practice.path.is_dir() else ():
        if info.locked and not info.opened:  # its copies can't be matched: nothing is taken (or lost)
            raise cipher.Locked(info.path)
    envelopes = _inbox("share")
    copies = _copies_by_link(practice, _id_and_link) if envelopes else {}
    invitations: dict[str, dict | HubError] = {}
    results: list[ImportResult] = []
    refused, why = 0, []
    for envelope in envelopes:
        link = envelope.get("link")
        sealed = _fetch(envelope)  # the service failing stops here: it is not a refused share
        if link in copies and link not in invitations:
            try:
                invitations[link] = _request("GET", f"api/invitations/{link}")  # who used it, with what key
            except HubError as exc:
                if exc.status is None or exc.status >= 500:
                    raise  # the service not answering (or failing) stops here too
                invitations[link] = exc  # refused: this invitation's shares can't be checked
        try:
            if link not in copies:
                raise HubError("client.wrong_workbook")
            exchange_id, hub = copies[link]
            if isinstance(invitations[link], HubError):
                raise invitations[link]
            _client, client_key = _proved_key(hub, invitations[link])
            plain = crypto.open_sealed(private, sealed, sender=client_key, context=_about("share", link))
            if share.read(plain, expect="share").exchange_id != exchange_id:
                raise HubError("client.wrong_workbook")
            results.append(exchange.import_share(practice, plain))
        except (crypto.CryptoError, InvalidEntry, HubError) as exc:
            refused += 1
            why += _why(exc)
        _done(envelope)
    if refused:
        raise _set_aside(refused, why, results)
    return results


def _proved_key(hub: dict, found: dict) -> tuple[str, bytes]:
    """(hub name, public key) of the client who used the invitation of a client copy's `hub`
    meta, as the service told it (`found`), checked against the proof only the code's secret
    makes; HubError when nobody has used it yet or the key isn't the one proved."""
    if not isinstance(hub, dict) or not hub.get("link") or not hub.get("secret"):
        raise HubError("client.not_invited")
    if not isinstance(found, dict) or not found.get("client") or not found.get("client_key"):
        raise HubError("client.not_joined")
    try:
        client_key = crypto.check_peer_key(crypto.unb64(found["client_key"], reason="bad_key"))
    except crypto.CryptoError:
        raise HubError("client.client_key_mismatch") from None
    if not crypto.check_proof(bytes.fromhex(hub["secret"]), client_key, found.get("proof")):
        raise HubError("client.client_key_mismatch")
    return str(found["client"]), client_key


def _id_and_link(wb: Workbook) -> tuple[str, dict]:
    """A client copy's exchange id and its ``hub`` meta (the invitation and its secret)."""
    return exchange.exchange_id(wb), wb.meta(META)


def send_notes(client_wb: Workbook, *, passphrase: str | None = None) -> int:
    """Seal the notes file of a client copy to the client's key, as sealed by the therapist's
    own key (`passphrase` opens one kept under one), and send it; returns 1.

    The client's key is used only if the client proved it with their code's secret."""
    hub = client_wb.meta(META)
    if not isinstance(hub, dict) or not hub.get("link") or not hub.get("secret"):
        raise HubError("client.not_invited")
    found = _request("GET", f"api/invitations/{hub['link']}")
    client, client_key = _proved_key(hub, found)
    mine = _private(_owner(Home(client_wb.path.parent)), passphrase)
    notes = exchange.return_notes(client_wb)
    sealed = crypto.seal(client_key, notes, sender=mine, context=_about("notes", hub["link"]))
    return _post_envelope(link=hub["link"], kind="notes", to=client, sealed=sealed)
