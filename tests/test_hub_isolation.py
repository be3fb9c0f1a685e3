"""What keeps people apart on a practice server, tried without a hub: the app refuses to send
its token to anything but the exchange, and the hub's config asks for everything that keeps
one person's server and kernels from another (workbook/hub/isolation.py).

The real-hub attacks (another real user reading kernels, squatting ports, leaving processes
behind) are in tests/browser/test_hub_isolation.py.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import runpy
import socket
import ssl
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from traitlets.config import Config

from tests import aio
from workbook import hubfacts, hubsetup
from workbook.hub import client, isolation
from workbook.hub.client import HubError

TOKEN = "the-persons-token-4c1d8e2b"


# -- certificates, as the hub's internal CA makes them ----------------------------------------
def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(common: str):
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_leaf(ca, common: str, address: str, folder: Path) -> tuple[Path, Path]:
    """A server certificate for `address` signed by `ca`; its (cert, key) files."""
    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{common}.crt", folder / f"{common}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def pem(ca) -> str:
    return ca[1].public_bytes(serialization.Encoding.PEM).decode("ascii")


class Listener:
    """Whoever holds the port: answers like the exchange would, and keeps every byte it got."""

    def __init__(self, tls: ssl.SSLContext | None):
        self.tls = tls
        self.received = bytearray()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                if self.tls is not None:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                conn.settimeout(5)
                data = conn.recv(65536)
                self.received += data
                body = b'{"name": "ann", "therapist": false}'
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
                )
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def authority():
    return make_ca("notebooks-ca")


def _serving(cert_key: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*cert_key)
    return context


@pytest.fixture
def as_the_app(monkeypatch, authority):
    """The app's environment on the hub: the exchange's address, the person's token and the
    CA the hub names; returns a function that points it at a port."""
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", TOKEN)
    monkeypatch.setenv(hubfacts.EXCHANGE_CA_ENV, pem(authority))

    def at(port: int, scheme: str = "https") -> None:
        monkeypatch.setenv(client.URL_ENV, f"{scheme}://127.0.0.1:{port}/services/rejection-exchange/")

    return at


def test_the_app_talks_to_the_exchange_with_the_hubs_certificate(tmp_path, authority, as_the_app):
    exchange = Listener(_serving(make_leaf(authority, "user-service", "127.0.0.1", tmp_path)))
    try:
        as_the_app(exchange.port)
        assert client._request("GET", "api/me") == {"name": "ann", "therapist": False}
        assert f"token {TOKEN}".encode() in exchange.received
    finally:
        exchange.close()


@pytest.mark.parametrize(
    "impostor",
    [
        "another person's certificate (same CA, their own address)",
        "a certificate from a CA of its own",
        "plain HTTP",
    ],
)
def test_a_program_on_the_exchanges_port_gets_no_token(tmp_path, authority, as_the_app, impostor):
    if impostor.startswith("another"):
        # what the hub gives every person: signed by the same CA, for their address only
        tls = _serving(make_leaf(authority, "user-bob", isolation.own_address(1001), tmp_path))
    elif impostor.startswith("a certificate"):
        tls = _serving(make_leaf(make_ca("squatter-ca"), "user-service", "127.0.0.1", tmp_path))
    else:
        tls = None
    squatter = Listener(tls)
    try:
        as_the_app(squatter.port)
        with pytest.raises(HubError) as refused:
            client._request("GET", "api/me")
        # the person reads a plain sentence, and the squatter got nothing it can use
        assert str(refused.value) == client._say("unreachable")
        assert TOKEN.encode() not in squatter.received
        assert b"Authorization" not in squatter.received
    finally:
        squatter.close()


def test_own_addresses_are_loopback_distinct_and_never_the_shared_one():
    seen = {}
    for uid in [*range(0, 70_000, 7), 1000, 1001, 65_535, 65_536, 2**31 - 2]:
        address = ipaddress.ip_address(isolation.own_address(uid))
        assert address.is_loopback and str(address) not in ("127.0.0.1", "127.255.255.255")
        assert seen.setdefault(str(address), uid) == uid, (
            f"uids {seen[str(address)]} and {uid} share {address}"
        )


def test_the_hub_config_asks_for_every_protection(tmp_path, monkeypatch):
    monkeypatch.setenv("REJECTION_WORKBOOK_HUB_STATE", str(tmp_path / "state"))
    c = Config()
    runpy.run_path(str(hubsetup.CONFIG), init_globals={"get_config": lambda: c})
    assert c.JupyterHub.internal_ssl is True
    assert c.JupyterHub.spawner_class == "workbook.hub.hubapp.PracticeSpawner"
    assert c.ConfigurableHTTPProxy.api_url.startswith("https://")
    assert c.Spawner.ssl_alt_names_include_local is False
    assert c.Spawner.ssl_alt_names is isolation.certificate_names
    assert c.Spawner.pre_spawn_hook is isolation.prepare
    assert c.Spawner.post_stop_hook is isolation.end_processes
    exchange = next(s for s in c.JupyterHub.services if s["name"] == hubfacts.SERVICE_NAME)
    assert exchange["url"].startswith("https://127.0.0.1:")
    assert f"--KernelManager.transport={isolation.KERNEL_TRANSPORT}" in hubsetup.singleuser_arguments(
        tmp_path
    )
    assert isolation.KERNEL_TRANSPORT == "ipc"


def test_a_stopping_server_is_looked_at_every_tenth_of_a_second():
    """JupyterHub's own wait doubles its pauses: a server gone after 1.7 s was seen at ~3.1 s."""
    from workbook.hub import hubapp

    clock = {"now": 0.0}
    pauses: list[float] = []

    async def pause(seconds):
        pauses.append(seconds)
        clock["now"] += seconds

    class Timed(hubapp.PracticeSpawner):  # its clock is the test's
        _clock = staticmethod(lambda: clock["now"])
        _pause = staticmethod(pause)

    class GoneAfter(Timed):
        async def poll(self):
            return 0 if clock["now"] >= 1.7 else None

    assert aio.run(GoneAfter().wait_for_death(timeout=10)) is True
    assert set(pauses) == {0.1} and clock["now"] < 1.8
    clock["now"], pauses[:] = 0.0, []

    class NeverGone(Timed):
        async def poll(self):
            return None

    assert aio.run(NeverGone().wait_for_death(timeout=2)) is False
    assert 1.9 < clock["now"] <= 2.1


@pytest.fixture
def a_unix_therapist():
    """A real Unix group and a member of it (made here, removed afterwards)."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("this test makes a Unix user: it runs as root")
        pytest.skip("this test makes a Unix user: it runs as root")
    tag = uuid.uuid4().hex[:6]
    group, name = f"rwg{tag}", f"rwu{tag}"
    subprocess.run(["groupadd", group], check=True)
    try:
        subprocess.run(["useradd", "--no-create-home", "--groups", group, name], check=True)
        yield group, name
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)
        subprocess.run(["groupdel", group], check=False, capture_output=True)


@pytest.mark.hub
def test_a_therapist_taken_out_of_the_unix_group_has_a_clients_rights_at_once(a_unix_therapist):
    """On one machine the exchange reads the Unix group at each request, not the hub's group,
    which JupyterHub set at the person's log-in."""
    from workbook.hub.service import HubIdentity

    group, name = a_unix_therapist

    class Hub:  # what the hub says of the person's token: who they are, still a therapist
        access_scopes = set()

        async def get_user(self, handler, sync=False):
            return {"name": name, "kind": "user", "groups": ["therapists"]}

    identity = HubIdentity(Hub(), unix_group=group)
    assert aio.run(identity(None)).therapist is True
    subprocess.run(["gpasswd", "--delete", name, group], check=True, capture_output=True)
    assert aio.run(identity(None)).therapist is False
