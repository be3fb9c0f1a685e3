"""Talking to the exchange service over HTTP the plain way, for its tests and its load benchmark
(`benchmarks/hub_load.py` imports this; nothing here imports either of them)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


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
