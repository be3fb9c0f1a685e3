"""A person's own server on the practice hub keeps the app's kernel warm, one at a time.

The server runs with the arguments the hub gives it (`hubsetup.singleuser_arguments`), as
plain jupyter_server with a token (the hub's log-in is tested in tests/browser/test_hub.py).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from tests import aio
from workbook.registry import APP_NOTEBOOK

from .ports import free_ports
from .processes import running, singleuser_command

START_SECONDS = 120  # a server and a kernel running the app, on two busy cores


@pytest.fixture
def server(home, tmp_path):
    """The person's server: (base url, token); stopped by PID afterwards."""
    port = free_ports(1)[0]
    command, env, token = singleuser_command(home, port)
    base = f"http://127.0.0.1:{port}"
    with running(command, env=env, cwd=tmp_path, log=tmp_path / "server.log") as process:
        process.wait_until(
            lambda: _ask(base, token, "/api/status")[0] == 200, timeout=START_SECONDS, what="answering"
        )
        yield base, token


def _ask(base: str, token: str, path: str, method: str = "GET"):
    request = urllib.request.Request(base + path, method=method)
    request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=START_SECONDS) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _kernels(base: str, token: str) -> list[str]:
    # jupyter_server answers 500 while a kernel is starting (its last_activity not set yet)
    deadline = time.monotonic() + 30
    status, body = _ask(base, token, "/api/kernels")
    while status == 500 and time.monotonic() < deadline:
        time.sleep(0.25)
        status, body = _ask(base, token, "/api/kernels")
    assert status == 200
    return [k["id"] for k in json.loads(body)]


def test_the_app_waits_in_a_warm_kernel_and_a_person_never_holds_two(server, tmp_path):
    base, token = server
    # before anyone opens the app, its kernel is already running (the app built in it)
    deadline = time.monotonic() + START_SECONDS
    while not _kernels(base, token) and time.monotonic() < deadline:
        time.sleep(0.5)
    warm = _kernels(base, token)
    assert len(warm) == 1

    status, page = _ask(base, token, f"/voila/render/{APP_NOTEBOOK}")
    assert status == 200 and b"Rejection Workbook" in page
    time.sleep(3)  # Voilà would refill its pool a second after: no second kernel stands by
    assert _kernels(base, token) == warm  # the page took the warm kernel

    # the tab closes (its kernel shut down): a new one warms up for the next log-in
    assert _ask(base, token, f"/api/kernels/{warm[0]}", method="DELETE")[0] == 204
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        now = _kernels(base, token)
        if now and now != warm:
            break
        time.sleep(0.5)
    assert len(now) == 1 and now != warm


@pytest.fixture
def short_cull(monkeypatch):
    """The person's server below culls after 4 idle seconds, looking every second."""
    from workbook.cli import CULL_ENV

    monkeypatch.setenv(CULL_ENV, "4,1")


def test_a_left_kernel_is_culled_a_connected_one_kept_and_a_warm_one_takes_its_place(short_cull, server):
    import asyncio

    from tornado.websocket import websocket_connect

    base, token = server
    deadline = time.monotonic() + START_SECONDS
    while not _kernels(base, token) and time.monotonic() < deadline:
        time.sleep(0.5)
    (warm,) = _kernels(base, token)
    status, _page = _ask(base, token, f"/voila/render/{APP_NOTEBOOK}")  # a page takes it
    assert status == 200

    async def read_a_while():
        # the page's tab is open (connected) and quiet for longer than the cull time
        url = base.replace("http", "ws") + f"/api/kernels/{warm}/channels?token={token}"
        connection = await websocket_connect(url)
        await asyncio.sleep(4 + 2 * 1 + 2)
        kept = _kernels(base, token)
        connection.close()  # and then the tab vanishes
        return kept

    assert aio.run(read_a_while()) == [warm]  # a person reading keeps their kernel
    gone = time.monotonic()
    deadline = gone + START_SECONDS
    while time.monotonic() < deadline:
        now = _kernels(base, token)
        if warm not in now and now:
            break
        time.sleep(0.5)
    assert warm not in now and len(now) == 1  # culled, and a new warm kernel for the next log-in
    assert time.monotonic() - gone < 4 + 1 + 30
    (again,) = now
    time.sleep(4 + 3)  # longer than the cull time: the warm kernel, never connected, stays
    assert _kernels(base, token) == [again]
