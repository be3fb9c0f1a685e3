"""The practice server against one of its own people: a client (the attacker, a real Unix user
with a server of their own) tries to read another client's live session, take over ports
they let go, and keep programs running after their server stops.

Each test is an attack that worked before workbook/hub/isolation.py (issue 19): kernels on
TCP ports anyone could subscribe to, the proxy and the app sending cookies and tokens to
whoever held a freed port, and a detached process outliving its owner's server.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient

from workbook.hub import client, isolation

from .hubkit import _command, _get, descendants, log_in

pytestmark = pytest.mark.browser

# What the attacker runs, as themselves: hold a port with their own certificate from the hub
# (signed by the same CA as everyone's) and keep whatever arrives.
SQUATTER = r"""
import glob, json, os, socket, ssl, sys, time
ip, port, record, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
certs = os.path.expanduser("~/.jupyterhub/jupyterhub-certs")
tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(glob.glob(certs + "/user-*.crt")[0], glob.glob(certs + "/user-*.key")[0])
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
for _ in range(100):
    try:
        sock.bind((ip, port))
        break
    except OSError:
        time.sleep(0.1)
sock.listen(16)
sock.settimeout(0.2)
open(record + ".bound", "w").close()
events, end = [], time.time() + seconds
while time.time() < end:
    try:
        conn, _ = sock.accept()
    except socket.timeout:
        continue
    try:
        conn.settimeout(5)
        wrapped = tls.wrap_socket(conn, server_side=True)
        data = wrapped.recv(65536)
        events.append({"tls": "ok", "data": data.decode("latin-1")})
        wrapped.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        wrapped.close()
    except Exception as exc:
        events.append({"tls": "refused", "error": type(exc).__name__})
        conn.close()
    with open(record, "w") as out:
        json.dump(events, out)
"""

# What the attacker runs to reach another person's kernels: connect to every socket given.
PROBE = r"""
import json, socket, sys
found = {}
for path in json.loads(sys.argv[1]):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        found[path] = "connected"
    except PermissionError:
        found[path] = "denied"
    except OSError as exc:
        found[path] = type(exc).__name__
    finally:
        s.close()
print(json.dumps(found))
"""


# What the attacker runs to read along: a ZeroMQ subscriber on each port, for a while.
EAVESDROPPER = r"""
import json, sys, time, zmq
ports, ready, seconds = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3])
context = zmq.Context()
poller = zmq.Poller()
for port in ports:
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(f"tcp://127.0.0.1:{port}")
    poller.register(sub, zmq.POLLIN)
open(ready, "w").close()
messages, text, end = 0, [], time.time() + seconds
while time.time() < end:
    for sub, _ in poller.poll(200):
        parts = sub.recv_multipart()
        messages += 1
        text.append(b" ".join(parts).decode("utf-8", "replace"))
print(json.dumps({"messages": messages, "text": " ".join(text)}))
"""
SECRET_WORDS = "only for me to read"


def start_as(person, python: str, script: str, *args: str, ready: Path, **popen) -> subprocess.Popen:
    """`script` run by `person` (as themselves, with `python`), once it says it is `ready`."""
    process = subprocess.Popen(
        ["runuser", "-u", person.name, "--", python, "-c", script, *args],
        cwd="/",
        stderr=subprocess.PIPE,
        **popen,
    )
    wait_until(lambda: ready.exists() or process.poll() is not None, 30, f"{person.name}'s program")
    assert process.poll() is None, process.stderr.read()
    return process


def shared_folder(prefix: str) -> Path:
    """A folder the attacker can write to and the test can read (sticky, like /tmp)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o1777)
    return folder


class EavesdropperRun:
    """The attacker's subscriber, started as the attacker; `result()` is what it heard."""

    def __init__(self, python: str, person, ports: list[int], seconds: float = 20):
        ready = shared_folder("rw-listen-") / "ready"
        self.process = start_as(
            person,
            python,
            EAVESDROPPER,
            json.dumps(ports),
            str(ready),
            str(seconds),
            ready=ready,
            stdout=subprocess.PIPE,
            text=True,
        )

    def result(self) -> dict:
        out, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err
        return json.loads(out)


def uid_of(person) -> int:
    return pwd.getpwnam(person.name).pw_uid


def home_of(person) -> Path:
    return Path(pwd.getpwnam(person.name).pw_dir)


def as_person(python: str, person, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", person.name, "--", python, *args],
        capture_output=True,
        text=True,
        cwd="/",
        **kwargs,
    )


def listening(uid: int) -> list[tuple[str, int]]:
    """The TCP sockets `uid` listens on, read as anyone can: /proc/net/tcp names each owner."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                address, state, owner = fields[1], fields[3], int(fields[7])
                if state == "0A" and owner == uid:  # LISTEN
                    ip_hex, port_hex = address.split(":")
                    if len(ip_hex) == 8:
                        ip = ".".join(str(int(ip_hex[i : i + 2], 16)) for i in (6, 4, 2, 0))
                    else:
                        ip = ip_hex
                    found.append((ip, int(port_hex, 16)))
    return found


def pids(person, pattern: str) -> list[int]:
    out = subprocess.run(["pgrep", "-u", person.name, "-f", pattern], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def server_environment(person) -> dict[str, str]:
    """The environment the hub gave `person`'s server (and so the app's kernel)."""
    (pid,) = pids(person, "workbook.hubserver")
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


class Squatter:
    """The attacker's program holding (ip, port), started as the attacker."""

    def __init__(self, python: str, person, ip: str, port: int, seconds: float = 45):
        self.record = shared_folder("rw-squat-") / "record.json"
        self.process = start_as(
            person,
            python,
            SQUATTER,
            ip,
            str(port),
            str(self.record),
            str(seconds),
            ready=Path(f"{self.record}.bound"),
            stdout=subprocess.DEVNULL,
        )

    def events(self) -> list[dict]:
        return json.loads(self.record.read_text()) if self.record.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)


def test_nothing_of_a_person_runs_after_their_server_stops(browser, hub, people):
    _, victim, _ = people
    tab = log_in(browser, hub, victim)
    # a program started from the person's own kernel, detached from it (a new session)
    (connection,) = sorted(
        glob.glob(str(home_of(victim) / ".local/share/jupyter/runtime/kernel-*.json")), key=os.path.getmtime
    )[-1:]
    kernel = BlockingKernelClient(connection_file=connection)
    kernel.load_connection_file()
    kernel.start_channels()
    try:
        kernel.execute_interactive(
            "import subprocess; subprocess.Popen(['sleep', '3141'], start_new_session=True, "
            "stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)",
            timeout=60,
        )
    finally:
        kernel.stop_channels()
    wait_until(lambda: pids(victim, "sleep 3141"), 10, "the detached program")
    tab.context.close()

    token = hub.token(victim, (f"servers!user={victim.name}",))
    status, _ = _get(f"{hub.base}/hub/api/users/{victim.name}/server", token=token, method="DELETE")
    assert status in (202, 204)
    wait_until(lambda: not pids(victim, "."), 60, f"every process of {victim.name} to end")
    assert not pids(victim, "sleep 3141")


def test_another_person_reaches_none_of_a_persons_kernels(browser, hub, people, shared_python):
    _, victim, attacker = people
    v_tab = log_in(browser, hub, victim)
    x_tab = log_in(browser, hub, attacker)
    uid = uid_of(victim)
    assert pids(victim, "ipykernel"), "the app's kernel runs"
    # the kernels' sockets are files in the person's private folder, out of the attacker's reach
    sockets = subprocess.run(
        ["find", str(home_of(victim)), "-type", "s"], capture_output=True, text=True
    ).stdout.split()
    assert sockets, "the kernels' ipc sockets"
    probe = as_person(shared_python, attacker, "-c", PROBE, json.dumps(sockets), timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert set(json.loads(probe.stdout).values()) == {"denied"}, probe.stdout

    # the attack that worked: subscribe to every TCP port the person's processes listen on
    # (found in /proc/net/tcp, as anyone can) while they write, and read along
    (server,) = [port for ip, port in listening(uid) if ip == isolation.own_address(uid)]
    ports = [port for ip, port in listening(uid) if port != server]
    listener = EavesdropperRun(shared_python, attacker, ports)
    field = v_tab.get_by_label("New workbook name").locator("visible=true").first
    field.click()
    v_tab.keyboard.type(SECRET_WORDS, delay=20)
    v_tab.keyboard.press("Tab")
    heard = listener.result()
    assert heard["messages"] == 0 and SECRET_WORDS not in heard["text"], heard
    for tab in (v_tab, x_tab):
        tab.context.close()


def test_a_squatted_server_port_gets_no_cookie(browser, hub, people, shared_python):
    _, victim, attacker = people
    v_tab = log_in(browser, hub, victim)
    log_in(browser, hub, attacker).context.close()  # the attacker's certificate from the hub
    ((ip, port),) = [
        (ip, port) for ip, port in listening(uid_of(victim)) if ip == isolation.own_address(uid_of(victim))
    ]
    # the person's server falls over (a crash): the proxy still routes to its port for a while
    for pid in pids(victim, "workbook.hubserver"):
        os.kill(pid, signal.SIGKILL)
    squatter = Squatter(shared_python, attacker, ip, port)
    try:
        answer = v_tab.context.request.get(
            f"{hub.base}/user/{victim.name}/api/status", fail_on_status_code=False
        )
        assert answer.status != 200
        events = squatter.events()
        # the proxy did come to the port, and left before sending a byte of the request
        assert events and all(e["tls"] == "refused" for e in events), events
    finally:
        squatter.stop()
        v_tab.context.close()
    # the hub notices the crash (it looks every 30 s) and ends what was left of the person's
    wait_until(lambda: not pids(victim, "."), 90, f"the hub to clear {victim.name}'s crashed server")


def test_a_squatted_exchange_port_gets_no_token(browser, hub, people, shared_python):
    _, victim, attacker = people
    log_in(browser, hub, victim).context.close()
    log_in(browser, hub, attacker).context.close()
    environment = server_environment(victim)
    # the exchange stops (a crash, a restart) and the attacker takes its port at once
    (service,) = [int(pid) for pid in descendants(hub.process.pid) if "workbook.hub.service" in _command(pid)]
    os.kill(service, signal.SIGKILL)
    squatter = Squatter(shared_python, attacker, "127.0.0.1", hub.settings.service_port)
    try:
        # the app, in the person's kernel, asks the exchange who they are
        call = (
            "from workbook.hub import client\n"
            "try:\n    client._request('GET', 'api/me')\n    print('ANSWERED')\n"
            "except client.HubError as exc:\n    print(exc)\n"
        )
        keep = ("REJECTION_WORKBOOK_EXCHANGE_URL", "JUPYTERHUB_API_TOKEN", "REJECTION_EXCHANGE_CA", "PATH")
        app = subprocess.run(
            ["runuser", "-u", victim.name, "--", "env", "-i"]
            + [f"{k}={environment[k]}" for k in keep if k in environment]
            + [shared_python, "-c", call],
            capture_output=True,
            text=True,
            cwd="/",
            timeout=120,
        )
        assert app.stdout.strip() == client._say("unreachable"), app.stdout + app.stderr
        events = squatter.events()
        assert events, "the app did knock"
        assert all(e["tls"] == "refused" for e in events), events
        assert environment["JUPYTERHUB_API_TOKEN"] not in json.dumps(events)
    finally:
        squatter.stop()
