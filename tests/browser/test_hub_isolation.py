"""The practice server against one of its own people: a client (the attacker, a real Unix user
with a server of their own) tries to read another client's live session, take over ports
they let go, and keep programs running after their server stops.

Each test is an attack that worked before workbook/hub/isolation.py (issue 19): kernels on
TCP ports anyone could subscribe to, the proxy and the app sending cookies and tokens to
whoever held a freed port, and a detached process outliving its owner's server.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import pwd
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from jupyter_client import BlockingKernelClient

from workbook.hub import client, isolation

from .hubkit import _command, _get, descendants, log_in, said

# a real hub with real Unix users; one xdist worker runs every such test in turn, as they share
# the hub's Unix groups (made and removed around each hub)
pytestmark = [pytest.mark.browser, pytest.mark.hub, pytest.mark.xdist_group("hub")]

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
# What the attacker runs to wear the exchange down: many large bodies, half sent, no token.
FLOOD = r"""
import socket, sys, time
port, path, count, size, ready, hold = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {16 * 2**20}\r\n\r\n").encode()
chunk, held = b"x" * 65536, []
for _ in range(count):
    conn = socket.create_connection(("127.0.0.1", port))
    conn.settimeout(5)
    try:
        conn.sendall(head)
        for _ in range(size // len(chunk)):
            conn.sendall(chunk)
    except OSError:
        pass
    held.append(conn)
open(ready, "w").close()
time.sleep(hold)
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


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def log_tail(hub, last: int = 40) -> str:
    """The hub log's last lines (the hub's, the proxy's and the exchange's own), for a failure
    to show which of them answered and why."""
    return "\n".join(hub.log.read_text(errors="replace").splitlines()[-last:])


def the_exchange(hub) -> int:
    (pid,) = [int(p) for p in descendants(hub.process.pid) if "workbook.hub.service" in _command(p)]
    return pid


def test_the_exchange_holds_against_another_person(browser, hub, people, shared_python):
    therapist, _, attacker = people
    log_in(browser, hub, attacker).context.close()  # the attacker has an account on the hub

    # the therapist makes a key and an invitation, and has the exchange's log-in cookie
    t_tab = log_in(browser, hub, therapist, "voila/render/07_practice.ipynb")
    x_token, t_token = hub.token(attacker), hub.token(therapist)
    t_tab.get_by_role("button", name="Make my key").click()
    said(t_tab, "Your key is ready")
    t_tab.get_by_label("What you call this client").fill("Client C")
    t_tab.get_by_role("button", name="Make the invitation").click()
    t_tab.locator(".wb-hub-code code").wait_for(timeout=60_000)
    t_tab.goto(hub.service(""))  # the exchange's own log-in: its cookie in this browser
    assert therapist.name in t_tab.content()
    status, body = _get(hub.service("api/invitations"), token=t_token)
    (invitation,) = [i["id"] for i in json.loads(body)["invitations"] if not i["redeemed_at"]]

    # a cookie with a junk header withdraws nothing (a change needs a real token)
    answer = t_tab.context.request.delete(
        hub.service(f"api/invitations/{invitation}"),
        headers={"Authorization": "token junk"},
        fail_on_status_code=False,
    )
    assert answer.status == 403

    # the invitation's id without the code's secret redeems nothing, and uses nothing up
    key = base64.b64encode(X25519PrivateKey.generate().public_key().public_bytes_raw()).decode()
    forged = json.dumps({"public_key": key, "mac": "0" * 64, "proof": "0" * 64}).encode()
    redeem = hub.service(f"api/invitations/{invitation}/redeem")
    status, said_back = _get(redeem, token=x_token, method="POST", data=forged)
    if status == 503:  # twice in CI (the cause unknown yet): what answered is printed, then once more
        warnings.warn(f"a 503 for the forged redeem: {said_back[:300]!r}\n{log_tail(hub, 12)}", stacklevel=1)
        time.sleep(2)
        status, said_back = _get(redeem, token=x_token, method="POST", data=forged)
    assert status == 403, (status, said_back[:400], log_tail(hub))
    status, body = _get(hub.service("api/invitations"), token=t_token)
    (still,) = [i for i in json.loads(body)["invitations"] if i["id"] == invitation]
    assert not still["redeemed_at"] and not still["withdrawn_at"]

    # a token in the address is refused, and written nowhere
    status, _ = _get(hub.service(f"api/me?token={x_token}"))
    assert status in (401, 403), status  # not logged in
    assert x_token not in hub.log.read_text(errors="replace")

    # a flood of half-sent large bodies without a token, through the hub's public address
    service = the_exchange(hub)
    idle = rss_mb(service)
    port = int(hub.base.rsplit(":", 1)[1])
    ready = shared_folder("rw-flood-") / "ready"
    path = f"/services/rejection-exchange/api/envelopes?id={'a' * 32}&to={therapist.name}&kind=share&link={'b' * 32}"
    flood = start_as(
        attacker, shared_python, FLOOD, str(port), path, "30", str(8 * 2**20), str(ready), "8", ready=ready
    )
    highest = idle
    while flood.poll() is None:
        highest = max(highest, rss_mb(service))
        time.sleep(0.2)
    print(f"the exchange under the flood: {idle:.0f} MB idle, {highest:.0f} MB at most")
    refused = hub.log.read_text(errors="replace").count("403 POST /services/rejection-exchange/api/envelopes")
    assert refused >= 30, "the bodies reached the exchange, and it refused them"
    assert highest - idle < 50, (idle, highest)
    t_tab.context.close()


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
