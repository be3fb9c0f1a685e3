"""Talking to the exchange service over HTTP the plain way, for its tests and its load benchmark
(`benchmarks/hub_load.py` imports this; nothing here imports either of them)."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SERVICE_PREFIX = "/services/rejection-exchange/"


@contextlib.contextmanager
def exchange_on_loopback(
    database: Path, monkeypatch, people: dict, *, limits=None, prefix: str = SERVICE_PREFIX
):
    """The real exchange service on a thread, on loopback, with the app's settings pointing at
    it (as a person's server on the hub has them); `.as_(name)` makes the next calls that
    person's (their token `t-<name>` and their name). Stopped afterwards, also on failure."""
    from workbook.hub import client
    from workbook.hub.service import Exchange, Running, TokenIdentity

    options = {"limits": limits} if limits is not None else {}
    running = Running(Exchange(database, identify=TokenIdentity(people), **options), prefix=prefix)
    monkeypatch.setenv(client.URL_ENV, running.url)
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/someone/")

    def as_(name: str) -> None:
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", f"t-{name}")
        monkeypatch.setenv("JUPYTERHUB_USER", name)

    running.as_ = as_
    running.dir = database.parent
    try:
        yield running
    finally:
        if running._thread.is_alive():
            running.stop()


def call(where, token, method, path, *, body=None, data=None, query=None, headers=None, timeout=60):
    """(status, answer) where answer is the JSON (or the bytes of an envelope). `where` is the
    service's address or a running service (`service.Running`); no token sends no login."""
    url = getattr(where, "url", where) + path + ("?" + urllib.parse.urlencode(query) if query else "")
    sent = {"Authorization": f"token {token}"} if token else {}
    sent.update(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw, status, kind = response.read(), response.status, response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        raw, status, kind = exc.read(), exc.code, exc.headers.get_content_type()
    return status, (raw if kind == "application/octet-stream" else json.loads(raw))
