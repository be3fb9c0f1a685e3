"""The app server as `serve` starts it: token kept off the command line, Host checked, no 500 on `..`."""

from __future__ import annotations

import email.utils
import http.client
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbook import voila_settings
from workbook.server import climbs, host_is_local

from .processes import Started, running, serve_command


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`rejection-workbook serve` on 127.0.0.1 and a free port; stopped by its PID."""
    with running(serve_command(tmp_path_factory.mktemp("server-home"))) as serve:
        _url, port, token = serve.url()
        yield serve.process, port, token


def _get(port: int, path: str, host: str | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


def _children(pid: int) -> list[int]:
    found = []
    for task in Path("/proc").glob("[0-9]*"):
        try:
            if int((task / "stat").read_text().split()[3]) == pid:
                found.append(int(task.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads command lines from /proc (Linux)")
def test_the_token_is_on_no_command_line_and_kernels_never_get_it(server):
    process, port, token = server
    assert _get(port, f"/voila/render/00_start.ipynb?token={token}") == 200  # starts a kernel
    pids, seen = [process.pid], []
    while pids:
        pid = pids.pop()
        seen.append(pid)
        pids.extend(_children(pid))
    commands = {}
    for pid in seen:
        try:
            commands[pid] = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
    assert any(b"workbook.server" in command for command in commands.values())
    for command in commands.values():
        assert token.encode() not in command, command
    kernels = [pid for pid, command in commands.items() if b"ipykernel" in command]
    assert kernels
    for pid in kernels:  # (Voilà itself gives a kernel its page's URL, readable by the same user only)
        assert b"REJECTION_WORKBOOK_TOKEN=" not in Path(f"/proc/{pid}/environ").read_bytes()


def test_the_token_is_still_required(server):
    _process, port, token = server
    assert _get(port, f"/voila/render/00_start.ipynb?token={token}") == 200
    assert _get(port, "/voila/render/00_start.ipynb") in (302, 403)
    assert _get(port, "/voila/render/00_start.ipynb?token=wrong") in (302, 403)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.nip.io", "0.0.0.0", "[::1]"])
def test_only_this_computer_may_be_named_in_the_host_header(server, host):
    _process, port, token = server
    assert _get(port, f"/voila/render/00_start.ipynb?token={token}", host=host) == 403


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:{port}", "127.0.0.1:{port}"])
def test_this_computer_by_name_or_number_is_fine(server, host):
    _process, port, token = server
    assert _get(port, f"/voila/render/00_start.ipynb?token={token}", host=host.format(port=port)) == 200


@pytest.mark.parametrize(
    "path",
    [
        "/voila/templates/rejection-workbook/static/..%2f..%2f..%2fetc%2fpasswd",
        "/voila/templates/..%2f..%2f/static/x",
        "/voila/templates/rejection-workbook/static/%2e%2e/%2e%2e/app.py",
        "/voila/templates/rejection-workbook/static/%252e%252e%252f%252e%252e%252fapp.py",
        "/voila/static/..%5c..%5capp.py",
        "/voila/files/..%2f..%2fetc%2fpasswd",
    ],
)
def test_a_path_that_climbs_is_not_found_rather_than_a_server_error(server, path):
    _process, port, token = server
    assert _get(port, f"{path}?token={token}") == 404


def test_the_checks_themselves():
    assert host_is_local("localhost") and host_is_local("127.0.0.1:8888") and host_is_local("LocalHost:1")
    assert (
        not host_is_local("localhost.evil.example")
        and not host_is_local("127.0.0.1:")
        and not host_is_local("")
    )
    assert climbs("/a/%2e%2e/b") and climbs("/a/..%5cb") and climbs("/a/%252e%252e/b")
    assert not climbs("/voila/static/app.css") and not climbs("/a/..b/c")


@pytest.mark.parametrize("module", ["workbook.server", "workbook.hubserver"])
def test_our_servers_start_without_building_the_iri_grammar_and_still_check_uris(module):
    """jsonschema would build rfc3987_syntax's grammar (1.5-2.5 s of every start) for a
    format no server schema uses; URIs are still checked."""
    probe = (
        f"import sys, {module}, jsonschema\n"
        "checker = jsonschema.FormatChecker()\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'), checker.conforms('no uri', 'uri'),"
        " checker.conforms('https://example.org/a', 'uri'))\n"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == ["None", "False", "True"]


def _serve(home: Path) -> tuple[Started, int, str]:
    serve = Started(serve_command(home))
    try:
        _url, port, token = serve.url()
    except BaseException:
        serve.stop()
        raise
    return serve, port, token


def _ask(port: int, path: str, cookie: str = "", language: str = "") -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if language:
        headers["Accept-Language"] = language
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    status, found, body = answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    conn.close()
    return status, found, body.decode(errors="replace")


def test_a_browser_let_in_keeps_its_bookmarks_across_a_restart_and_others_get_our_page(tmp_path):
    """What a person does: open the address `serve` shows, bookmark the page (the app takes
    the token out of the address bar), stop the app, start it again, open the bookmark."""
    home = tmp_path / "home"
    process, port, token = _serve(home)
    try:
        status, headers, _ = _ask(port, f"/voila/render/00_start.ipynb?token={token}")
        assert status == 200
        cookie = headers["set-cookie"].split(";")[0]  # the login cookie this browser keeps
        assert cookie.startswith(f"username-127-0-0-1-{port}=")
        expires = re.search(r"expires=([^;]+)", headers["set-cookie"], re.IGNORECASE).group(1)
        days = (email.utils.parsedate_to_datetime(expires).timestamp() - time.time()) / 86400
        assert days > 360  # kept when the browser restarts, for a year (tornado's default: 30 days)
    finally:
        process.stop()
    process, port_again, token_again = _serve(home)
    try:
        assert (port_again, token_again) == (port, token)  # the same address, run to run
        assert _ask(port, "/voila/render/00_start.ipynb?workbook=x", cookie=cookie)[0] == 200
        # a browser that was never let in, or an old or wrong token: our page, not Jupyter's
        for path in ("/voila/render/app.ipynb?workbook=x", "/voila/render/app.ipynb?token=wrong"):
            status, headers, _ = _ask(port, path)
            assert status == 302 and headers["location"].startswith("/login?next=")
            status, _, page = _ask(port, headers["location"])
            assert status == 200
            assert "Your workbook is private" in page and "run <code>rejection-workbook</code> again" in page
            assert "Token authentication" not in page and "Password" not in page
            assert "wrong" not in page and token not in page  # the link back drops the token
        status, _, page = _ask(port, "/login?next=/voila/render/app.ipynb", language="es-MX,es;q=0.9")
        assert "Tu cuaderno es privado" in page and 'lang="es"' in page
        # help is on this page too: the browser's country's crisis line, a tap away on a phone
        assert 'href="tel:8009112000"' in page and "Línea de la Vida" in page
        page = _ask(port, "/login?next=/voila/render/app.ipynb", language="en-GB,en;q=0.9")[2]
        assert 'href="tel:116123"' in page and "Samaritans" in page
    finally:
        process.stop()


def test_the_page_for_a_browser_not_let_in_links_back_only_to_this_server():
    from workbook.server import again_address, cookie_secret, page_language

    assert (
        again_address("/voila/render/app.ipynb?token=old&workbook=sam")
        == "/voila/render/app.ipynb?workbook=sam"
    )
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        assert again_address(elsewhere) == "/"
    assert cookie_secret("a" * 32) == cookie_secret("a" * 32) != cookie_secret("b" * 32)
    assert page_language("fr-FR, es;q=0.8, en;q=0.5") == "es" and page_language("") == "en"


def test_a_page_opened_while_the_next_warm_kernel_waits_to_start_does_not_wait_it_out(tmp_path):
    """After a page takes the warm kernel, the next one starts only after a delay (20 s, so
    that its start does not slow the page just opened). A page that comes in the meantime, a
    reload or a second tab, used to take that kernel still waiting and wait out the rest of the
    delay with a blank screen (14-21 s measured): now it starts the kernel at once. Here the
    delay is ten minutes, so a page that waited it out would time out. And a server stopped
    while the next kernel waits stops at once, without starting it first."""
    env = {**os.environ, voila_settings.REFILL_ENV: "600", voila_settings.STANDBY_ENV: "1"}
    serve = Started(serve_command(tmp_path / "home"), env=env)
    try:
        _url, port, token = serve.url()
        app = f"/voila/render/app.ipynb?token={token}"
        assert _page(port, app) == 200  # takes the warm kernel; the next waits 600 s to start
        assert _page(port, app) == 200  # did not wait the 600 s out
    finally:
        code = serve.stop(timeout=30)
    assert code is not None, "the server had to be killed: it waited for the next kernel"


def _page(port: int, path: str) -> int:
    """The status of a whole page, read to its end (a page is sent once its kernel runs)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
