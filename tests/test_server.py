"""The app server as `serve` starts it: token kept off the command line, Host checked, no 500 on `..`."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbook.server import climbs, host_is_local


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`rejection-workbook serve` on 127.0.0.1 and a free port; stopped by its PID."""
    home = tmp_path_factory.mktemp("server-home")
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook.cli", "serve", "--no-browser", "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline, seen = time.monotonic() + 90, []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail("serve exited while starting:\n" + "".join(seen))
            seen.append(line)
            found = re.search(r"http://127\.0\.0\.1:(\d+)/\S+\?token=([\w-]+)", line)
            if found:
                yield process, int(found.group(1)), found.group(2)
                break
        else:
            pytest.fail("serve did not print its URL in time:\n" + "".join(seen))
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: serve, Voilà and the kernels
        process.wait(timeout=30)


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
