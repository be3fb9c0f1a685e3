"""The exchange service over HTTP: Tornado handlers that find the person from the headers
before any body is read, read bodies only up to their route's limit, translate to `Exchange`
(workbook/hub/rules.py) and log paths, never query strings; and the app that routes to them."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re

from tornado import web

from .. import share
from . import crypto
from .identity import User
from .refusal import MiB, Refused, mib
from .rules import KINDS, Exchange

ID = r"([0-9a-f]{32})"  # in routes; values are checked with share.ID_RE (the same ids)
log = logging.getLogger("workbook.hub.service")
CHANGES = frozenset({"POST", "PUT", "DELETE", "PATCH"})
# The hub is asked who is calling again, this long after each ask that got no answer (a busy
# hub, a connection it dropped): a moment's hiccup shouldn't refuse the person's request. (The
# CI 503s once put down to a busy hub were the proxy's, on a closed connection: `closing`.)
ASK_AGAIN_SECONDS = (0.5, 2.0)
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
        self.closing()
        self.finish()

    def closing(self) -> None:
        """Say that the connection closes after this refusal. Tornado closes it when a request
        is answered before its body is read (most refusals are), without saying so: the hub's
        proxy, which keeps connections open for the next request, then sent a person's next
        request down the closed one and answered it 503 ("read ECONNRESET"; a CI run caught it)."""
        self.set_header("Connection", "close")

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
    # what a change's Authorization must be, in full: a token (RFC 6750 token characters).
    # (`workbook.hub.service.TOKEN_HEADER` names it for tests/test_hardening.py's check of
    # every pattern that checks input.)
    token_header = re.compile(r"(?i:token|bearer) +[A-Za-z0-9._~+/=-]+")

    def initialize(self, service: Exchange):
        self.service = service
        self.user: User | None = None
        self.target = ""  # the id acted on, for the audit line
        self.size = 0
        self.received = 0
        self._uploading = False

    def body_limit(self) -> int:
        return self.service.limits.json_bytes

    async def _who_is_calling(self):
        """The person behind this request, as the hub says; asked again (ASK_AGAIN_SECONDS)
        when the hub gave no answer (a refusal is an answer, and is never asked again)."""
        for wait in ASK_AGAIN_SECONDS:
            try:
                return await self.service.identify(self)
            except Refused:
                raise
            except Exception as exc:
                log.warning("the hub gave no answer on who is calling (%s); asking again", type(exc).__name__)
                await asyncio.sleep(wait)
        return await self.service.identify(self)

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
            if not self.token_header.fullmatch(self.request.headers.get("Authorization", "").strip()):
                self.refuse(Refused(403, "token_only"))
                return
        try:
            self.user = await self._who_is_calling()
        except Refused as refused:
            self.refuse(refused)
            return
        except Exception:  # the hub didn't answer, asked three times: say so, rather than a bare 500
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
        self.refuse(Refused(413, "too_large", size=mib(max(size, limit + 1)), limit=mib(limit)))

    def refuse(self, refused: Refused) -> None:
        self.set_status(refused.status_code)
        self.closing()
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
