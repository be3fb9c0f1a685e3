"""The exchange service: a small Tornado app a JupyterHub runs beside the people's servers.

It keeps *sealed* envelopes and invitations in its own SQLite file and hands them to the
person they are for. It never holds a key that opens them: a client's words are sealed in
the client's kernel (`workbook.hub.client`) and opened in the therapist's, and the other way
round for notes. What it does know: who is logged in (from the hub), who is a therapist
(hub group ``therapists``), which client is linked to which therapist (by an invitation the
therapist made and the client redeemed), and each envelope's size, sender and recipient.

Run by the hub as a managed service named ``rejection-exchange``::

    python -m workbook.hub.service

It listens where ``$JUPYTERHUB_SERVICE_URL`` says, under ``$JUPYTERHUB_SERVICE_PREFIX``,
keeps its database in ``$REJECTION_EXCHANGE_DB`` (default ``./exchange.sqlite``) and writes
one audit line per request (who, what, when, size, status — never content) to
``$REJECTION_EXCHANGE_AUDIT`` (default: beside the database, ``.audit.log``).

Who may call it: people whose token carries ``access:services!service=rejection-exchange``.
Checked on JupyterHub 6.1.1, two settings are needed in the hub's config, because neither the
default ``user`` role (only ``self``) nor the single-user server's own token (which the app's
kernel uses as $JUPYTERHUB_API_TOKEN; default scopes ``users:activity!user`` and
``access:servers!server``) carries that scope::

    c.JupyterHub.extra_user_scopes = {"access:services!service=rejection-exchange"}
    c.Spawner.server_token_scopes = [
        "users:activity!user", "access:servers!server",
        "access:services!service=rejection-exchange",
    ]

The service's own role needs ``read:users:groups`` (and ``read:users:name``) to learn who is
in the ``therapists`` group: a person's server token doesn't show their groups. That is asked
of the hub for every person (whatever their token said at log-in), and kept at most 60 s.

The login is checked from the headers before any body is read; bodies are then read up to a
limit per route (413 past it), at most 4 at once per person. A change (POST, PUT, DELETE)
needs a valid token in ``Authorization``: cookies are dropped from it before the login is
checked. Logs name paths, never query strings (a token may come as ``?token=``).

API (JSON unless said; every refusal is ``{"error": "<one plain sentence>", "key": "<its key
in data/text/hub.toml [service]>", "values": {<its placeholders>}}``, so the app can say it in
the person's language)::

    GET  api/health                          no login; {"ok": true}
    GET  api/me                              {"name", "therapist"}
    PUT  api/key                             therapist: {"public_key"} -> {"fingerprint"}
    POST api/invitations                     therapist: {"id", "public_key", "start", "verifier",
                                             "key_mac"} -> 201
    GET  api/invitations                     therapist: their invitations (no start files)
    GET  api/invitations/<id>                therapist who made it: with the client's key and proof
    DELETE api/invitations/<id>              therapist who made it: withdrawn (not once redeemed)
    POST api/invitations/<id>/key            client: {"public_key", "mac"} -> therapist, key (code not used)
    POST api/invitations/<id>/redeem         client: {"public_key", "mac", "proof"} -> therapist, key, start
    POST api/envelopes?id=&to=&kind=&link=   body: the envelope's bytes; kind "share" (client to
                                             their therapist) or "notes" (therapist to a linked client)

"verifier" is `crypto.redeem_verifier` of the code's secret; "mac" is `crypto.redeem_mac` of the
invitation id and the client's public key under it: knowing an invitation's id (from a log, a
path) redeems nothing. "proof" is `crypto.key_proof`, which only the therapist can check.
"key_mac" (`crypto.key_mac`, optional: long codes carried a fingerprint instead) is handed back
with the therapist's key, for the client to check that key with the code. Wrong codes (an id
not known, a MAC that doesn't match) count against `Limits.wrong_codes` per person.
    GET  api/envelopes[?kind=&all=1]         envelopes addressed to me (waiting ones unless all=1)
    GET  api/envelopes/<id>                  the envelope's bytes, for its recipient only
    POST api/envelopes/<id>/received         recipient: received (the sealed bytes are dropped)
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import re
import signal
import sqlite3
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote, urlparse

from tornado import web
from tornado.httpclient import AsyncHTTPClient

from .. import share
from ..content import text
from . import crypto, people

DB_ENV = "REJECTION_EXCHANGE_DB"
AUDIT_ENV = "REJECTION_EXCHANGE_AUDIT"
SERVICE_NAME = "rejection-exchange"
THERAPISTS = "therapists"
ID = r"([0-9a-f]{32})"  # in routes; values are checked with share.ID_RE (the same ids)
KINDS = ("share", "notes")
MiB = 2**20
log = logging.getLogger("workbook.hub.service")


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one person may send and keep waiting (all enforced per sender)."""

    envelope_bytes: int = share.MAX_FILE + crypto.MIN_ENVELOPE  # a share file at its largest, sealed
    start_bytes: int = 1 * MiB  # a sealed start file (a welcome note and questions)
    waiting: int = 50  # envelopes sent and not yet received
    waiting_bytes: int = 64 * MiB  # their size together (so one person can't fill the disk)
    per_day: int = 200  # envelopes sent in the last 24 hours
    open_invitations: int = 100  # invitations made and not yet redeemed or expired
    invitation_days: int = 14  # how long a code can be used
    json_bytes: int = 64 * 1024  # any other request body (a key, a MAC): an invitation adds its start file
    uploads_at_once: int = 4  # bodies one person may be sending at the same moment
    wrong_codes: int = 20  # codes one person may get wrong in an hour (a code has 55 random bits)


@dataclasses.dataclass(frozen=True)
class User:
    name: str
    therapist: bool


class Refused(web.HTTPError):
    """A refusal: HTTP status and `message`, a sentence from data/text/hub.toml [service]."""

    def __init__(self, status: int, key: str, **values):
        super().__init__(status)
        self.key = key
        self.values = {name: str(value) for name, value in values.items()}
        self.message = text("hub")["service"][key].format(**values)

    def __str__(self) -> str:
        return self.message

    def answer(self) -> dict:
        """The JSON a refusal is sent as: the sentence, and its key and values in
        data/text/hub.toml [service], so the app can say it in the person's language."""
        return {"error": self.message, "key": self.key, "values": self.values}


Identify = Callable[[web.RequestHandler], Awaitable[User | None]]


# -- the database ------------------------------------------------------------------------------
SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    owner TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invitations (
    id TEXT PRIMARY KEY,
    therapist TEXT NOT NULL,
    therapist_key BLOB NOT NULL,
    start BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    client TEXT,
    client_key BLOB,
    proof TEXT,
    redeemed_at TEXT,
    withdrawn_at TEXT,
    verifier BLOB,
    key_mac TEXT
);
CREATE INDEX IF NOT EXISTS invitations_by_therapist ON invitations(therapist, redeemed_at);
CREATE INDEX IF NOT EXISTS invitations_by_client ON invitations(client);
CREATE TABLE IF NOT EXISTS envelopes (
    id TEXT PRIMARY KEY,
    link TEXT NOT NULL,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    sent_at TEXT NOT NULL,
    received_at TEXT
);
CREATE INDEX IF NOT EXISTS envelopes_by_recipient ON envelopes(recipient, received_at, sent_at);
CREATE INDEX IF NOT EXISTS envelopes_by_sender ON envelopes(sender, sent_at);
"""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


class Store:
    """The service's SQLite file: named columns, one short transaction per change, WAL."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA busy_timeout = 5000")
        self.conn.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a file made by an earlier version up to SCHEMA (columns added since)."""
        columns = {row["name"] for row in self.conn.execute("PRAGMA table_info(invitations)")}
        if "withdrawn_at" not in columns:
            self.conn.execute("ALTER TABLE invitations ADD COLUMN withdrawn_at TEXT")
        if "key_mac" not in columns:  # short codes: the therapist's key, bound by the code
            self.conn.execute("ALTER TABLE invitations ADD COLUMN key_mac TEXT")
        if "verifier" not in columns:
            # Invitations made before redeeming needed the code's secret: those not used yet
            # end now (the therapist makes a new code; the client is told so plainly).
            with self.write() as db:
                db.execute("ALTER TABLE invitations ADD COLUMN verifier BLOB")
                db.execute(
                    "UPDATE invitations SET expires_at = :now WHERE client IS NULL AND expires_at > :now",
                    {"now": _stamp(_now())},
                )

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def write(self):
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def one(self, sql: str, **params) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, **params) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()


# -- who is asking ----------------------------------------------------------------------------
class HubIdentity:
    """The person behind a request, as the hub says (token header, or the OAuth cookie).

    Whether they are a therapist is asked of the hub (the ``therapists`` group) with the
    service's own token, never taken from what their token or cookie said at log-in, and
    remembered at most `MAX_GROUP_CACHE` seconds: taken out of the group, a therapist loses
    a therapist's rights within a minute."""

    MAX_GROUP_CACHE = 60

    def __init__(
        self,
        hub_auth=None,
        *,
        group_cache_seconds: float = 30,
        unix_group: str = "",
        unix_names: tuple[str, ...] = (),
    ):
        from jupyterhub.services.auth import HubOAuth

        self.auth = hub_auth or HubOAuth.instance(cache_max_age=60)
        self._groups: dict[str, tuple[float, bool]] = {}
        self.group_cache_seconds = max(0.0, min(float(group_cache_seconds), self.MAX_GROUP_CACHE))
        # on one machine, the Unix group itself, read at each request (workbook/hub/people.py)
        self.unix_group, self.unix_names = unix_group, unix_names

    async def __call__(self, handler: web.RequestHandler) -> User | None:
        from jupyterhub.services.auth import check_scopes

        model = await self.auth.get_user(handler, sync=False)
        if not model or model.get("kind", "user") != "user":
            return None
        if self.auth.access_scopes and not check_scopes(
            self.auth.access_scopes, set(model.get("scopes", []))
        ):
            raise Refused(403, "no_access")
        return User(model["name"], await self._therapist(model["name"]))

    async def _therapist(self, name: str) -> bool:
        """Whether `name` is in the therapists group: the Unix group when there is one, else
        the hub's group, asked with the service's own token."""
        if self.unix_group:
            return people.is_therapist(name, self.unix_group, self.unix_names)
        cached = self._groups.get(name)
        asked = time.monotonic()  # the answer is as old as the question
        if cached and asked - cached[0] < self.group_cache_seconds:
            return cached[1]
        url = f"{self.auth.api_url.rstrip('/')}/users/{quote(name, safe='')}"
        response = await AsyncHTTPClient().fetch(
            url, headers={"Authorization": f"token {self.auth.api_token}"}, ssl_options=hub_tls(self.auth)
        )
        therapist = THERAPISTS in json.loads(response.body).get("groups", [])
        self._groups[name] = (asked, therapist)
        return therapist


def hub_tls(auth):
    """The TLS context for the hub's API under `internal_ssl` (our certificate, the hub's CA),
    or None when the hub speaks plain HTTP."""
    if not (auth.certfile and auth.keyfile):
        return None
    from jupyterhub.utils import make_ssl_context

    return make_ssl_context(auth.keyfile, auth.certfile, cafile=auth.client_ca)


def serving_tls() -> ssl.SSLContext | None:
    """The service's own certificate when the hub runs with `internal_ssl` (it hands every
    managed service a key and a certificate from its internal CA): the app checks it before
    it sends a token, so a program that takes this port while the service is down learns
    nothing. None without one (a hub without internal TLS, tests)."""
    certfile = os.environ.get("JUPYTERHUB_SSL_CERTFILE", "")
    keyfile = os.environ.get("JUPYTERHUB_SSL_KEYFILE", "")
    if not (certfile and keyfile):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    return context


class TokenIdentity:
    """A fixed table of tokens -> people, for tests and benchmarks without a hub.

    Only a constructor argument switches it on (`Exchange(identify=...)`); `main()` always
    uses the hub, and no request can change which is used."""

    def __init__(self, people: dict[str, User]):
        self.people = dict(people)

    async def __call__(self, handler: web.RequestHandler) -> User | None:
        match = re.fullmatch(r"(?i:token|bearer)\s+(\S+)", handler.request.headers.get("Authorization", ""))
        return self.people.get(match.group(1)) if match else None


# -- handlers ---------------------------------------------------------------------------------
CHANGES = frozenset({"POST", "PUT", "DELETE", "PATCH"})
TOKEN_HEADER = re.compile(r"(?i:token|bearer) +[A-Za-z0-9._~+/=-]+")  # RFC 6750 token characters
access_log = logging.getLogger("workbook.hub.service.access")


@web.stream_request_body
class Streamed(web.RequestHandler):
    """A handler that reads a request's body only after `prepare` has let it through, and
    only up to `body_limit()` bytes: above that, 413 and the connection closed (Tornado stops
    reading a body once the answer is sent). So a body from someone not logged in is never
    read at all, and one from someone who is costs at most its route's limit.

    Its log lines name the path, never the query (a token may be sent as ``?token=``)."""

    def body_limit(self) -> int:
        return 4 * 1024

    def too_large(self, size: int) -> None:
        self.set_status(413)
        self.finish()

    def declared_too_large(self) -> bool:
        """True (and answered with 413) when Content-Length says the body won't fit."""
        declared = self.request.headers.get("Content-Length", "0")
        size = int(declared) if declared.isdigit() else self.body_limit() + 1
        if size > self.body_limit():
            self.too_large(size)
            return True
        return False

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        chunks = self.__dict__.setdefault("_chunks", [])
        self.received = getattr(self, "received", 0) + len(chunk)
        if self.received > self.body_limit():
            chunks.clear()
            self.too_large(self.received)
            return
        chunks.append(chunk)

    @property
    def body(self) -> bytes:
        return b"".join(self.__dict__.get("_chunks", ()))

    def _request_summary(self) -> str:
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, web.HTTPError):
            return  # a refusal: the audit line and the access log say it
        log.error("failed: %s", self._request_summary(), exc_info=(typ, value, tb))


def log_request(handler: web.RequestHandler) -> None:
    """The access log (Tornado's `log_function`): the path, never the query string."""
    status = handler.get_status()
    say = access_log.info if status < 400 else access_log.warning if status < 500 else access_log.error
    request = handler.request
    say(
        "%d %s %s (%s) %.2fms",
        status,
        request.method,
        request.path,
        request.remote_ip,
        1000 * request.request_time(),
    )


class Handler(Streamed):
    """JSON in and out; the person found first, from the headers alone, before any body is
    read; one audit line per request."""

    action = "?"
    login_needed = True

    def initialize(self, service: Exchange):
        self.service = service
        self.user: User | None = None
        self.target = ""  # the id acted on, for the audit line
        self.size = 0
        self.received = 0
        self._uploading = False

    def body_limit(self) -> int:
        return self.service.limits.json_bytes

    async def prepare(self):
        self.set_header("Cache-Control", "no-store")
        if not self.login_needed:
            self.declared_too_large()
            return
        change, cookie = self.request.method in CHANGES, False
        if change:
            # a change is judged by its token alone: a web page elsewhere can make a browser
            # send the hub's cookie (with any header beside it), never the token
            cookie = self.request.headers.pop("Cookie", None) is not None
            self.request.__dict__.pop("_cookies", None)
            if not TOKEN_HEADER.fullmatch(self.request.headers.get("Authorization", "").strip()):
                self.refuse(Refused(403, "token_only"))
                return
        try:
            self.user = await self.service.identify(self)
        except Refused as refused:
            self.refuse(refused)
            return
        except Exception:  # the hub didn't answer: say so, rather than a bare 500
            log.exception("could not ask the hub who is calling")
            self.refuse(Refused(503, "hub_unreachable"))
            return
        if self.user is None:
            self.refuse(Refused(403, "token_only") if change and cookie else Refused(401, "no_user"))
            return
        if self.declared_too_large():
            return
        if change:
            if not self.service.start_upload(self.user.name):
                self.refuse(Refused(429, "too_many_at_once", count=self.service.limits.uploads_at_once))
                return
            self._uploading = True

    def _end_upload(self) -> None:
        if self._uploading:
            self._uploading = False
            self.service.end_upload(self.user.name)

    def on_finish(self) -> None:
        self._end_upload()

    def on_connection_close(self) -> None:
        self._end_upload()
        super().on_connection_close()

    def too_large(self, size: int) -> None:
        limit = self.body_limit()
        self.refuse(Refused(413, "too_large", size=_mib(max(size, limit + 1)), limit=_mib(limit)))

    def refuse(self, refused: Refused) -> None:
        self.set_status(refused.status_code)
        self.finish(refused.answer())

    def write_error(self, status_code: int, **kwargs):
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, Refused):
            self.finish(exc.answer())
        elif status_code >= 500:
            self.finish(Refused(status_code, "failed").answer())
        else:
            self.finish(Refused(status_code, "bad_request", what=self._reason.lower()).answer())

    def therapist(self) -> User:
        if not self.user.therapist:
            raise Refused(403, "not_therapist")
        return self.user

    def body_json(self) -> dict:
        try:
            found = json.loads(self.body or b"{}")
        except ValueError:
            raise Refused(400, "bad_request", what="not JSON") from None
        if not isinstance(found, dict):
            raise Refused(400, "bad_request", what="not a JSON object")
        return found

    def finish(self, chunk=None):
        # the audit line is written before the answer leaves, so it is there once it is read
        if not self._finished:
            self.service.audit(
                who=self.user.name if self.user else "",
                action=self.action,
                target=self.target,
                size=self.size or self.received,
                status=self.get_status(),
            )
        return super().finish(chunk)


class Health(Handler):
    action, login_needed = "health", False

    def get(self):
        self.finish({"ok": True})


class NotFound(Handler):
    action, login_needed = "not found", False

    async def prepare(self):
        self.refuse(Refused(404, "not_found"))


class Me(Handler):
    action = "me"

    def get(self):
        self.finish({"name": self.user.name, "therapist": self.user.therapist})


class Key(Handler):
    action = "publish key"

    def put(self):
        me = self.therapist()
        public = _public_key(self.body_json().get("public_key"))
        self.finish({"fingerprint": self.service.publish_key(me.name, public)})


class Invitations(Handler):
    action = "invitations"

    def body_limit(self) -> int:  # the sealed start file, in base64, and the rest
        return self.service.limits.start_bytes * 4 // 3 + self.service.limits.json_bytes

    def post(self):
        self.action = "invite"
        me = self.therapist()
        body = self.body_json()
        invitation = body.get("id")
        if not isinstance(invitation, str) or not share.ID_RE.fullmatch(invitation):
            raise Refused(400, "bad_request", what="id")
        self.target = invitation
        public = _public_key(body.get("public_key"))
        start = _b64(body.get("start"), "start")
        verifier = _b64(body.get("verifier"), "verifier")
        if len(verifier) != 32:
            raise Refused(400, "bad_request", what="verifier")
        key_mac = body.get("key_mac")
        key_mac = None if key_mac is None else _hex64(key_mac, "key_mac")
        self.size = len(start)
        self.set_status(201)
        self.finish(self.service.invite(me.name, invitation, public, start, verifier, key_mac=key_mac))

    def get(self):
        me = self.therapist()
        self.finish({"invitations": self.service.invitations_of(me.name)})


class Invitation(Handler):
    action = "invitation"

    def get(self, invitation: str):
        self.target = invitation
        self.finish(self.service.invitation_for(self.therapist().name, invitation))

    def delete(self, invitation: str):
        self.action = "withdraw"
        self.target = invitation
        self.finish(self.service.withdraw(self.therapist().name, invitation))


class Redeem(Handler):
    action = "redeem"

    def post(self, invitation: str):
        self.target = invitation
        body = self.body_json()
        public = _public_key(body.get("public_key"))
        mac, proof = _hex64(body.get("mac"), "mac"), _hex64(body.get("proof"), "proof")
        self.finish(self.service.redeem(self.user.name, invitation, public, proof, mac))


class TherapistKey(Handler):
    """Before redeeming: the therapist's key, for whoever proves the code's secret, so the
    app can check it against the code's fingerprint without using the code up."""

    action = "look"

    def post(self, invitation: str):
        self.target = invitation
        body = self.body_json()
        public = _public_key(body.get("public_key"))
        self.finish(self.service.look(self.user.name, invitation, public, _hex64(body.get("mac"), "mac")))


class Envelopes(Handler):
    action = "inbox"

    def body_limit(self) -> int:
        return self.service.limits.envelope_bytes

    def post(self):
        self.action = "send"
        envelope = self.get_query_argument("id", "")
        link = self.get_query_argument("link", "")
        kind = self.get_query_argument("kind", "")
        to = self.get_query_argument("to", "")
        if (
            not share.ID_RE.fullmatch(envelope)
            or not share.ID_RE.fullmatch(link)
            or kind not in KINDS
            or not to
        ):
            raise Refused(400, "bad_request", what="id, link, kind and to")
        self.target = envelope
        data = self.body
        self.size = len(data)
        self.set_status(201)
        self.finish(self.service.send(self.user.name, envelope, link=link, kind=kind, to=to, data=data))

    def get(self):
        kind = self.get_query_argument("kind", "")
        if kind and kind not in KINDS:
            raise Refused(400, "bad_request", what="kind")
        waiting_only = self.get_query_argument("all", "") != "1"
        self.finish({"envelopes": self.service.inbox(self.user.name, kind=kind, waiting_only=waiting_only)})


class Envelope(Handler):
    action = "fetch"

    def get(self, envelope: str):
        self.target = envelope
        data = self.service.fetch(self.user.name, envelope)
        self.size = len(data)
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(data)


class Received(Handler):
    action = "received"

    def post(self, envelope: str):
        self.target = envelope
        self.finish(self.service.received(self.user.name, envelope))


def _public_key(value: object) -> bytes:
    try:
        return crypto.check_peer_key(crypto.unb64(value, reason="bad_key"))
    except crypto.CryptoError as exc:
        if exc.reason == "weak_key":
            raise Refused(400, "weak_key") from None
        raise Refused(400, "bad_request", what="public key") from None


def _hex64(value: object, what: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{64}", value):
        raise Refused(400, "bad_request", what=what)
    return value


def _b64(value: object, what: str) -> bytes:
    try:
        return crypto.unb64(value)
    except crypto.CryptoError:
        raise Refused(400, "bad_request", what=what) from None


# -- what the service does --------------------------------------------------------------------
class Exchange:
    """The service's rules, over its Store; handlers only translate HTTP."""

    def __init__(
        self,
        db: str | os.PathLike,
        *,
        identify: Identify,
        limits: Limits | None = None,
        audit_path: str | os.PathLike | None = None,
        clock: Callable[[], dt.datetime] = _now,
    ):
        self.store = Store(db)
        self.identify = identify
        self.limits = limits or Limits()
        self.clock = clock
        self.audit_path = Path(audit_path or f"{self.store.path}.audit.log")
        fd = os.open(self.audit_path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        self._audit = os.fdopen(fd, "a", encoding="utf-8", buffering=1)
        self._uploading: dict[str, int] = {}  # bodies being sent now, per person
        self._wrong_codes: dict[str, list[dt.datetime]] = {}  # when each person got a code wrong

    def close(self) -> None:
        self._audit.close()
        self.store.close()

    def start_upload(self, who: str) -> bool:
        """Count one more body `who` is sending; False (and nothing counted) at the limit."""
        if self._uploading.get(who, 0) >= self.limits.uploads_at_once:
            return False
        self._uploading[who] = self._uploading.get(who, 0) + 1
        return True

    def end_upload(self, who: str) -> None:
        left = self._uploading.get(who, 0) - 1
        if left > 0:
            self._uploading[who] = left
        else:
            self._uploading.pop(who, None)

    def audit(self, **fields) -> None:
        """One line per request: who, what, when, size, status (never content)."""
        line = {"at": _stamp(self.clock()), **fields}
        self._audit.write(json.dumps(line, ensure_ascii=False) + "\n")

    # keys and invitations
    def publish_key(self, owner: str, public: bytes) -> str:
        fingerprint = crypto.fingerprint(public)
        with self.store.write() as db:
            db.execute(
                "INSERT INTO keys (owner, public_key, fingerprint, updated_at) VALUES (:owner, :key, :fp, :at)"
                " ON CONFLICT(owner) DO UPDATE SET public_key = :key, fingerprint = :fp, updated_at = :at",
                {"owner": owner, "key": public, "fp": fingerprint, "at": _stamp(self.clock())},
            )
        return fingerprint

    def invite(
        self,
        therapist: str,
        invitation: str,
        public: bytes,
        start: bytes,
        verifier: bytes,
        *,
        key_mac: str | None = None,
    ) -> dict:
        """Keep an invitation: the therapist's key, the sealed start file, the verifier
        (`crypto.redeem_verifier` of the code's secret) that redeeming is checked with, and the
        MAC over the key (`crypto.key_mac`) the client checks it with."""
        if len(start) > self.limits.start_bytes:
            raise Refused(413, "too_large", size=_mib(len(start)), limit=_mib(self.limits.start_bytes))
        published = self.store.one("SELECT public_key FROM keys WHERE owner = :owner", owner=therapist)
        if published is None or published["public_key"] != public:
            raise Refused(409, "no_key")
        now = self.clock()
        open_now = self.store.one(
            "SELECT count(*) AS n FROM invitations WHERE therapist = :t AND client IS NULL"
            " AND withdrawn_at IS NULL AND expires_at > :now",
            t=therapist,
            now=_stamp(now),
        )["n"]
        _within(open_now, self.limits.open_invitations, "too_many_invitations")
        expires = now + dt.timedelta(days=self.limits.invitation_days)
        self._insert(
            "invitations",
            {
                "id": invitation,
                "therapist": therapist,
                "therapist_key": public,
                "start": start,
                "verifier": verifier,
                "key_mac": key_mac,
                "created_at": _stamp(now),
                "expires_at": _stamp(expires),
            },
            taken="duplicate",
        )
        return {"id": invitation, "expires_at": _stamp(expires)}

    def invitations_of(self, therapist: str) -> list[dict]:
        rows = self.store.all(
            "SELECT id, created_at, expires_at, client, redeemed_at, withdrawn_at FROM invitations"
            " WHERE therapist = :t ORDER BY created_at",
            t=therapist,
        )
        return [dict(row) for row in rows]

    def invitation_for(self, therapist: str, invitation: str) -> dict:
        row = self.store.one(
            "SELECT id, therapist, created_at, expires_at, client, client_key, proof, redeemed_at, withdrawn_at"
            " FROM invitations WHERE id = :id",
            id=invitation,
        )
        if row is None:
            raise Refused(404, "no_invitation")
        if row["therapist"] != therapist:
            raise Refused(403, "not_yours")
        found = dict(row)
        found["client_key"] = crypto.b64(row["client_key"]) if row["client_key"] else None
        return found

    def withdraw(self, therapist: str, invitation: str) -> dict:
        """Take back an invitation nobody has used: its code no longer works and its sealed start
        file is dropped. One already used can't be (the client stays linked); asking twice is fine."""
        with self.store.write() as db:
            row = db.execute(
                "SELECT therapist, client, withdrawn_at FROM invitations WHERE id = :id", {"id": invitation}
            ).fetchone()
            if row is None:
                raise Refused(404, "no_invitation")
            if row["therapist"] != therapist:
                raise Refused(403, "not_your_invitation")
            if row["client"] is not None:
                raise Refused(409, "already_redeemed")
            at = row["withdrawn_at"] or _stamp(self.clock())
            db.execute(
                "UPDATE invitations SET withdrawn_at = :at, start = x'' WHERE id = :id",
                {"at": at, "id": invitation},
            )
        return {"id": invitation, "withdrawn_at": at}

    def _guessing(self, client: str, *, wrong: bool = False) -> None:
        """Refused(429) once `client` got `Limits.wrong_codes` codes wrong in the last hour
        (before their code is even looked at: a right one waits too); `wrong` counts one more.
        Kept in memory: a restart forgets, which costs a guesser nothing worth having."""
        now = self.clock()
        recent = [at for at in self._wrong_codes.get(client, []) if now - at < dt.timedelta(hours=1)]
        if wrong:
            recent.append(now)
        if recent:
            self._wrong_codes[client] = recent
        else:
            self._wrong_codes.pop(client, None)
        if not wrong and len(recent) >= self.limits.wrong_codes:
            raise Refused(429, "too_many_tries")

    def _usable(self, row, client: str, invitation: str, public: bytes, mac: str, now: str) -> None:
        """Refused unless `client`, proving the code's secret with `mac`, may use `row` now."""
        self._guessing(client)
        if row is None:
            self._guessing(client, wrong=True)
            raise Refused(404, "no_invitation")
        if row["therapist"] == client:
            raise Refused(403, "own_invitation")
        if row["verifier"] is None:
            raise Refused(410, "old_code")  # made before redeeming needed the secret
        if not crypto.check_redeem_mac(bytes(row["verifier"]), invitation, public, mac):
            self._guessing(client, wrong=True)
            raise Refused(403, "wrong_code")
        if row["client"] is not None:
            if (row["client"], bytes(row["client_key"])) != (client, public):
                raise Refused(409, "used")
        elif row["withdrawn_at"] is not None:
            raise Refused(410, "withdrawn")
        elif row["expires_at"] <= now:
            raise Refused(410, "expired")

    def look(self, client: str, invitation: str, public: bytes, mac: str) -> dict:
        """The therapist's key for an invitation, to the holder of its code, without using it."""
        row = self.store.one("SELECT * FROM invitations WHERE id = :id", id=invitation)
        self._usable(row, client, invitation, public, mac, _stamp(self.clock()))
        return {
            "id": invitation,
            "therapist": row["therapist"],
            "therapist_key": crypto.b64(row["therapist_key"]),
            **_key_mac(row),
        }

    def redeem(self, client: str, invitation: str, public: bytes, proof: str, mac: str) -> dict:
        """Link `client` to the invitation's therapist; one use, and only with a `mac` that
        proves the code's secret (the same person, key and proof may ask again, so a reply
        lost on the way doesn't use a code up)."""
        now = _stamp(self.clock())
        with self.store.write() as db:
            row = db.execute("SELECT * FROM invitations WHERE id = :id", {"id": invitation}).fetchone()
            self._usable(row, client, invitation, public, mac, now)
            if row["client"] is not None:
                if row["proof"] != proof:
                    raise Refused(409, "used")
            else:
                db.execute(
                    "UPDATE invitations SET client = :client, client_key = :key, proof = :proof,"
                    " redeemed_at = :at WHERE id = :id AND client IS NULL",
                    {"client": client, "key": public, "proof": proof, "at": now, "id": invitation},
                )
        return {
            "id": invitation,
            "therapist": row["therapist"],
            "therapist_key": crypto.b64(row["therapist_key"]),
            **_key_mac(row),
            "start": crypto.b64(row["start"]),
        }

    # envelopes
    def send(self, sender: str, envelope: str, *, link: str, kind: str, to: str, data: bytes) -> dict:
        limits = self.limits
        if len(data) > limits.envelope_bytes:
            raise Refused(413, "too_large", size=_mib(len(data)), limit=_mib(limits.envelope_bytes))
        row = self.store.one("SELECT * FROM invitations WHERE id = :id", id=link)
        if row is None or row["client"] is None:
            raise Refused(403, "not_linked")
        # a share goes from the linked client to their therapist; notes the other way
        if kind == "share":
            pair, key = (row["client"], row["therapist"]), row["therapist_key"]
        else:
            pair, key = (row["therapist"], row["client"]), row["client_key"]
        if (sender, to) != pair:
            raise Refused(403, "not_linked")
        try:
            named = crypto.envelope_fingerprint(data)
        except crypto.CryptoError:
            raise Refused(400, "bad_request", what="not a sealed envelope") from None
        if named != crypto.fingerprint_bytes(key):
            raise Refused(403, "wrong_recipient")
        now = self.clock()
        if self.store.one("SELECT 1 FROM envelopes WHERE id = :id", id=envelope):
            raise Refused(409, "replayed")
        waiting = self.store.one(
            "SELECT count(*) AS n, coalesce(sum(size), 0) AS size FROM envelopes"
            " WHERE sender = :s AND received_at IS NULL",
            s=sender,
        )
        _within(waiting["n"], limits.waiting, "too_many_waiting")
        if waiting["size"] + len(data) > limits.waiting_bytes:
            raise Refused(429, "too_much_waiting", size=_mib(waiting["size"]))
        today = self.store.one(
            "SELECT count(*) AS n FROM envelopes WHERE sender = :s AND sent_at > :since",
            s=sender,
            since=_stamp(now - dt.timedelta(days=1)),
        )["n"]
        _within(today, limits.per_day, "too_many_today")
        self._insert(
            "envelopes",
            {
                "id": envelope,
                "link": link,
                "kind": kind,
                "sender": sender,
                "recipient": to,
                "size": len(data),
                "data": data,
                "sent_at": _stamp(now),
            },
            taken="replayed",
        )
        return {"id": envelope, "size": len(data)}

    def _insert(self, table: str, row: dict, *, taken: str) -> None:
        """Add `row` (named columns) to `table`; Refused(409, `taken`) if its id is there already."""
        columns = ", ".join(row)
        try:
            with self.store.write() as db:
                db.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in row)})", row)
        except sqlite3.IntegrityError:
            raise Refused(409, taken) from None

    def inbox(self, recipient: str, *, kind: str = "", waiting_only: bool = True) -> list[dict]:
        rows = self.store.all(
            "SELECT id, link, kind, sender, size, sent_at, received_at FROM envelopes"
            " WHERE recipient = :r AND (:kind = '' OR kind = :kind)"
            " AND (:waiting = 0 OR received_at IS NULL) ORDER BY sent_at",
            r=recipient,
            kind=kind,
            waiting=int(waiting_only),
        )
        return [dict(row) for row in rows]

    def _own(self, recipient: str, envelope: str) -> sqlite3.Row:
        row = self.store.one("SELECT recipient, data, received_at FROM envelopes WHERE id = :id", id=envelope)
        if row is None:
            raise Refused(404, "not_found")
        if row["recipient"] != recipient:
            raise Refused(403, "not_yours")
        return row

    def fetch(self, recipient: str, envelope: str) -> bytes:
        row = self._own(recipient, envelope)
        if row["received_at"] is not None:
            raise Refused(410, "not_found")
        return bytes(row["data"])

    def received(self, recipient: str, envelope: str) -> dict:
        """Mark an envelope received and drop its sealed bytes (its id stays, so it can't be replayed)."""
        self._own(recipient, envelope)
        at = _stamp(self.clock())
        with self.store.write() as db:
            db.execute(
                "UPDATE envelopes SET received_at = coalesce(received_at, :at), data = x''"
                " WHERE id = :id AND recipient = :r",
                {"at": at, "id": envelope, "r": recipient},
            )
        return {"id": envelope, "received": True}


def _key_mac(row) -> dict:
    """The MAC the therapist left over their key (short codes), for the client to check it."""
    return {"key_mac": row["key_mac"]} if row["key_mac"] else {}


def _within(count: int, limit: int, key: str) -> None:
    """Refused(429, key) once a person's `count` of something has reached its `limit`."""
    if count >= limit:
        raise Refused(429, key, count=count)


def _mib(size: int) -> str:
    return f"{size / MiB:.1f}".removesuffix(".0")


# -- the app ----------------------------------------------------------------------------------
def make_app(service: Exchange, *, prefix: str = "/", hub_auth=None) -> web.Application:
    """The Tornado app for `service` under `prefix`; with `hub_auth` (a HubOAuth), also the
    OAuth callback and a page a browser can open to log in."""
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    args = {"service": service}
    routes = [
        (f"{prefix}api/health", Health, args),
        (f"{prefix}api/me", Me, args),
        (f"{prefix}api/key", Key, args),
        (f"{prefix}api/invitations", Invitations, args),
        (f"{prefix}api/invitations/{ID}", Invitation, args),
        (f"{prefix}api/invitations/{ID}/key", TherapistKey, args),
        (f"{prefix}api/invitations/{ID}/redeem", Redeem, args),
        (f"{prefix}api/envelopes", Envelopes, args),
        (f"{prefix}api/envelopes/{ID}", Envelope, args),
        (f"{prefix}api/envelopes/{ID}/received", Received, args),
    ]
    settings: dict = {
        # the connection's ceiling; each route refuses far less, with a plain 413, as it reads
        "max_body_size": 2 * service.limits.envelope_bytes + MiB,
        "default_handler_class": NotFound,
        "default_handler_args": args,
        "log_function": log_request,
    }
    if hub_auth is not None:
        from jupyterhub.services.auth import HubOAuthCallbackHandler

        class Callback(Streamed, HubOAuthCallbackHandler):
            async def prepare(self):
                if not self.declared_too_large():
                    await _maybe(super().prepare())

        routes.append((f"{prefix}oauth_callback", Callback))
        routes.append((prefix, _landing()))
        settings["hub_auth"] = hub_auth
        settings["cookie_secret"] = os.urandom(32)
    return web.Application(routes, **settings)


async def _maybe(result) -> None:
    if result is not None:
        await result


def server_options(app: web.Application) -> dict:
    """The HTTPServer's settings: the body ceiling, and connections that stall are let go."""
    return {
        "max_body_size": app.settings["max_body_size"],
        "body_timeout": 120,
        "idle_connection_timeout": 120,
    }


def _landing():
    from jupyterhub.services.auth import HubOAuthenticated

    class Landing(HubOAuthenticated, Streamed):
        """A browser's way in: the hub's login first, then who the person is."""

        def prepare(self):
            self.declared_too_large()

        @web.authenticated
        def get(self):
            self.finish({"name": self.current_user["name"]})

    return Landing


class Running:
    """A service served on a thread of its own (for tests and benchmarks): `url`, `stop()`."""

    def __init__(self, service: Exchange, *, prefix: str = "/", host: str = "127.0.0.1"):
        import threading

        from tornado.httpserver import HTTPServer
        from tornado.netutil import bind_sockets

        self.service = service
        sockets = bind_sockets(0, host)
        port = sockets[0].getsockname()[1]
        self.url = f"http://{host}:{port}{'/' + prefix.strip('/') + '/' if prefix.strip('/') else '/'}"
        ready = threading.Event()

        async def serve():
            app = make_app(service, prefix=prefix)
            self._server = HTTPServer(app, **server_options(app))
            self._server.add_sockets(sockets)
            self._loop = asyncio.get_running_loop()
            self._stopped = asyncio.Event()
            ready.set()
            await self._stopped.wait()
            self._server.stop()
            await self._server.close_all_connections()

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        self._thread.start()
        ready.wait(10)

    def stop(self) -> None:
        """Stop serving and close the service's files."""
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(10)
        self.service.close()


def main() -> None:
    """Run as a hub-managed service (see the module docstring for the settings it reads)."""
    from jupyterhub.services.auth import HubOAuth
    from tornado.httpserver import HTTPServer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
    hub_auth = HubOAuth.instance(cache_max_age=60, allow_token_in_url=False)
    service = Exchange(
        os.environ.get(DB_ENV, "exchange.sqlite"),
        identify=HubIdentity(
            hub_auth,
            unix_group=os.environ.get(people.GROUP_ENV, ""),
            unix_names=tuple(n for n in os.environ.get(people.NAMES_ENV, "").split(",") if n),
        ),
        audit_path=os.environ.get(AUDIT_ENV) or None,
    )
    app = make_app(service, prefix=prefix, hub_auth=hub_auth)

    async def serve():
        tls = serving_tls() if url.scheme == "https" else None
        if url.scheme == "https" and tls is None:
            raise SystemExit("rejection-exchange: https needs $JUPYTERHUB_SSL_CERTFILE and _KEYFILE")
        server = HTTPServer(app, **server_options(app), ssl_options=tls)
        server.listen(url.port or 80, url.hostname or "127.0.0.1")
        log.info("rejection-exchange listening on %s%s", url.geturl().rstrip("/"), prefix)
        stop = asyncio.Event()
        # The hub stops its services with SIGINT, then SIGTERM if still running: either one
        # finishes what is under way, then closes the files. SIGINT is handled here, not left
        # to Python: a service started from a background job inherits it ignored, and would
        # then keep the hub waiting 10 s for nothing.
        for stopping in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(stopping, stop.set)
        await stop.wait()
        server.stop()
        await server.close_all_connections()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    finally:
        service.close()


if __name__ == "__main__":
    main()
