"""Who is asking the exchange service: the hub says (`HubIdentity`), or, for tests and
benchmarks without a hub, a fixed table of tokens (`TokenIdentity`); and the TLS the service
speaks with the hub and serves with under the hub's `internal_ssl`."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import ssl
import time
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from tornado import web
from tornado.httpclient import AsyncHTTPClient

from . import facts, people
from .refusal import Refused


@dataclasses.dataclass(frozen=True)
class User:
    name: str
    therapist: bool


Identify = Callable[[web.RequestHandler], Awaitable[User | None]]


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
        therapist = facts.THERAPISTS_GROUP in json.loads(response.body).get("groups", [])
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
