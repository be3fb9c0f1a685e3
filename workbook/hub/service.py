"""The exchange service: a small Tornado app a JupyterHub runs beside the people's servers.

It keeps *sealed* envelopes and invitations in its own SQLite file and hands them to the
person they are for. It never holds a key that opens them: a client's words are sealed in
the client's kernel (`workbook.hub.client`) and opened in the therapist's, and the other way
round for notes. What it does know: who is logged in (from the hub), who is a therapist
(hub group ``therapists``), which client is linked to which therapist (by an invitation the
therapist made and the client redeemed), and each envelope's size, sender and recipient.

Run by the hub as a managed service named ``rejection-exchange`` (`facts.SERVICE_NAME`)::

    python -m workbook.hub.service

It listens where ``$JUPYTERHUB_SERVICE_URL`` says, under ``$JUPYTERHUB_SERVICE_PREFIX``,
keeps its database in ``$REJECTION_EXCHANGE_DB`` (default ``./exchange.sqlite``) and writes
one audit line per request (who, what, when, size, status — never content) to
``$REJECTION_EXCHANGE_AUDIT`` (default: beside the database, ``.audit.log``); the names of
these settings are in workbook/hub/facts.py.

Its parts, one job each: `database` (the SQLite file and its migrations), `identity` (who
is asking; the TLS with the hub), `rules` (`Exchange`: what it does and refuses; `Limits`),
`handlers` (HTTP: the handlers and `make_app`), `refusal` (how it says no). This module runs
it (`main`) and serves it on a thread for tests and benchmarks (`Running`); the names tests
and benchmarks import from here are here.

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
import logging
import os
import signal
import time  # noqa: F401  (tests set workbook.hub.service.time.monotonic: the clock HubIdentity reads)
from urllib.parse import urlparse

from . import facts
from .database import SCHEMA, Store
from .handlers import ID, Handler, Streamed, log_request, make_app, server_options
from .identity import HubIdentity, Identify, TokenIdentity, User, hub_tls, serving_tls
from .refusal import MiB, Refused
from .rules import KINDS, Exchange, Limits

__all__ = [
    "ID",
    "KINDS",
    "SCHEMA",
    "TOKEN_HEADER",
    "Exchange",
    "Handler",
    "HubIdentity",
    "Identify",
    "Limits",
    "MiB",
    "Refused",
    "Running",
    "Store",
    "Streamed",
    "TokenIdentity",
    "User",
    "hub_tls",
    "log_request",
    "main",
    "make_app",
    "server_options",
    "serving_tls",
]

TOKEN_HEADER = Handler.token_header  # what a change's Authorization header must be, in full
log = logging.getLogger("workbook.hub.service")


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
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", f"http://127.0.0.1:{facts.SERVICE_PORT}"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", facts.service_prefix())
    hub_auth = HubOAuth.instance(cache_max_age=60, allow_token_in_url=False)
    service = Exchange(
        os.environ.get(facts.DB_ENV, "exchange.sqlite"),
        identify=HubIdentity(
            hub_auth,
            unix_group=os.environ.get(facts.UNIX_GROUP_ENV, ""),
            unix_names=tuple(n for n in os.environ.get(facts.THERAPIST_NAMES_ENV, "").split(",") if n),
        ),
        audit_path=os.environ.get(facts.AUDIT_ENV) or None,
    )
    app = make_app(service, prefix=prefix, hub_auth=hub_auth)

    async def serve():
        tls = serving_tls() if url.scheme == "https" else None
        if url.scheme == "https" and tls is None:
            raise SystemExit(f"{facts.SERVICE_NAME}: https needs $JUPYTERHUB_SSL_CERTFILE and _KEYFILE")
        server = HTTPServer(app, **server_options(app), ssl_options=tls)
        server.listen(url.port or 80, url.hostname or "127.0.0.1")
        log.info("%s listening on %s%s", facts.SERVICE_NAME, url.geturl().rstrip("/"), prefix)
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
