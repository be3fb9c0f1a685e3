"""The exchange service's API alone (no hub, no browser): who may do what, limits, refusals."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests import aio
from tests.hubcalls import call
from tests.ports import free_ports
from workbook.hub import crypto
from workbook.hub.service import Exchange, Limits, Running, TokenIdentity, User

PEOPLE = {
    "t-tess": User("tess", True),
    "t-theo": User("theo", True),
    "t-ann": User("ann", False),
    "t-ben": User("ben", False),
}


SENDER = crypto.new_private_key()  # the service reads only whom an envelope is for


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def start(tmp_path, clock):
    """start(limits=None) -> the running service (restartable over the same files)."""
    running = []

    def start_service(limits: Limits | None = None) -> Running:
        service = Exchange(
            tmp_path / "exchange.sqlite", identify=TokenIdentity(PEOPLE), limits=limits, clock=clock
        )
        running.append(Running(service, prefix="/services/rejection-exchange/"))
        return running[-1]

    yield start_service
    for server in running:
        if server._thread.is_alive():
            server.stop()


def invitation(secret, public, start=b"start file"):
    """The body of a therapist's new invitation, as the app makes it."""
    return {
        "id": crypto.invitation_id(secret),
        "public_key": crypto.b64(public),
        "start": crypto.b64(crypto.seal_with_secret(secret, start)),
        "verifier": crypto.b64(crypto.redeem_verifier(secret)),
    }


def refusal(key, **values):
    """The JSON of a refusal: the sentence, its key and values (so the app can translate it)."""
    from workbook.content import text

    return {"error": text("hub")["service"][key].format(**values), "key": key, "values": values}


class World:
    """A therapist (tess, with a key) who invited ann; ann has redeemed the code."""

    def __init__(self, server):
        self.server = server
        self.tess_key = crypto.new_private_key()
        self.ann_key = crypto.new_private_key()
        self.secret = crypto.new_secret()
        self.link = crypto.invitation_id(self.secret)
        tess_pub = crypto.public_bytes(self.tess_key)
        assert call(server, "t-tess", "PUT", "api/key", body={"public_key": crypto.b64(tess_pub)})[0] == 200
        status, _ = self.invite(self.secret, tess_pub)
        assert status == 201
        status, self.redeemed = self.redeem("t-ann", self.link, self.ann_key, self.secret)
        assert status == 200, self.redeemed

    def invite(self, secret, public, token="t-tess"):
        return call(self.server, token, "POST", "api/invitations", body=invitation(secret, public))

    def redeem(self, token, link, key, secret, *, mac=None, verb="redeem"):
        """Redeem (or, with verb="key", look at) `link` as the holder of `secret` and `key`."""
        public = key if isinstance(key, bytes) else crypto.public_bytes(key)
        body = {
            "public_key": crypto.b64(public),
            "proof": crypto.key_proof(secret, public),
            "mac": mac or crypto.redeem_mac(crypto.redeem_verifier(secret), link, public),
        }
        return call(self.server, token, "POST", f"api/invitations/{link}/{verb}", body=body)

    def send(self, token="t-ann", *, to="tess", kind="share", data=None, envelope=None, link=None):
        if data is None:
            key = self.tess_key if kind == "share" else self.ann_key
            data = crypto.seal(crypto.public_bytes(key), b"sealed words", sender=SENDER)
        query = {"id": envelope or uuid.uuid4().hex, "link": link or self.link, "kind": kind, "to": to}
        return call(self.server, token, "POST", "api/envelopes", data=data, query=query)


@pytest.fixture
def world(start):
    return World(start())


def test_health_needs_no_login_and_everything_else_does(start):
    server = start()
    assert call(server, None, "GET", "api/health") == (200, {"ok": True})
    status, answer = call(server, None, "GET", "api/me")
    assert status == 401 and answer["error"] == "Please log in to the practice server first."
    assert call(server, "not-a-token", "GET", "api/envelopes")[0] == 401
    assert call(server, "t-tess", "GET", "api/me") == (200, {"name": "tess", "therapist": True})
    assert call(server, "t-ann", "GET", "api/me") == (200, {"name": "ann", "therapist": False})


def test_a_client_can_not_publish_a_key_or_invite(start):
    server = start()
    public = crypto.b64(crypto.public_bytes(crypto.new_private_key()))
    for method, path, body in [
        ("PUT", "api/key", {"public_key": public}),
        ("POST", "api/invitations", {"id": uuid.uuid4().hex, "public_key": public, "start": ""}),
        ("GET", "api/invitations", None),
    ]:
        status, answer = call(server, "t-ann", method, path, body=body)
        assert status == 403 and answer == refusal("not_therapist")


def test_inviting_needs_the_key_published_first_and_ids_are_never_reused(start):
    server = start()
    world_key = crypto.public_bytes(crypto.new_private_key())
    secret = crypto.new_secret()
    body = invitation(secret, world_key, b"x")
    status, answer = call(server, "t-tess", "POST", "api/invitations", body=body)
    assert status == 409 and "make your practice key" in answer["error"]
    call(server, "t-tess", "PUT", "api/key", body={"public_key": crypto.b64(world_key)})
    assert call(server, "t-tess", "POST", "api/invitations", body=body)[0] == 201
    status, answer = call(server, "t-tess", "POST", "api/invitations", body=body)
    assert status == 409 and "already exists" in answer["error"]


def test_bad_requests_get_a_plain_json_refusal(world):
    server = world.server
    cases = [
        ("PUT", "api/key", {"public_key": "not base64!"}),
        ("PUT", "api/key", {"public_key": crypto.b64(b"short")}),
        ("POST", "api/invitations", {"id": "../../etc", "public_key": "", "start": ""}),
        ("POST", f"api/invitations/{world.link}/redeem", {"public_key": "x", "proof": "y"}),
    ]
    for method, path, body in cases:
        status, answer = call(server, "t-tess" if "redeem" not in path else "t-ben", method, path, body=body)
        assert status == 400 and answer["error"].startswith("The request couldn't be read"), (path, answer)
    status, answer = call(server, "t-tess", "PUT", "api/key", data=b"{not json")
    assert status == 400 and "not JSON" in answer["error"]
    status, answer = call(server, "t-ann", "POST", "api/envelopes", data=b"x", query={"id": "1"})
    assert status == 400 and "error" in answer
    status, answer = world.send(data=b"\x01 not an envelope at all, just some bytes to look like one ...")
    assert status == 400 and "not a sealed envelope" in answer["error"]
    status, answer = call(server, "t-ann", "GET", "api/nowhere")
    assert status == 404 and "error" in answer


def test_changes_need_the_token_not_a_cookie(world):
    # a web page elsewhere could make the browser send the hub's cookie, never the token
    server = world.server
    identify = server.service.identify

    async def by_cookie(handler):
        return (
            PEOPLE["t-ann"] if handler.request.headers.get("Cookie") == "hub=ann" else await identify(handler)
        )

    server.service.identify = by_cookie
    status, answer = call(server, None, "GET", "api/me", headers={"Cookie": "hub=ann"})
    assert status == 200 and answer["name"] == "ann"
    status, answer = call(
        server, None, "POST", "api/envelopes", data=b"x", headers={"Cookie": "hub=ann"}, query={"id": "x"}
    )
    assert status == 403 and "token" in answer["error"]


def test_a_code_is_used_once_and_expires(world, clock):
    server = world.server
    # ann asking again with the same key and proof (a lost reply) gets the same answer
    status, again = world.redeem("t-ann", world.link, world.ann_key, world.secret)
    assert status == 200 and again == world.redeemed
    status, answer = world.redeem("t-ben", world.link, crypto.new_private_key(), world.secret)
    assert (
        status == 409
        and answer["error"] == "This code has already been used. Please ask your therapist for a new one."
    )
    status, answer = world.redeem("t-ann", world.link, crypto.new_private_key(), world.secret)
    assert status == 409
    # an unknown code
    status, answer = world.redeem(
        "t-ben", crypto.invitation_id(crypto.new_secret()), world.ann_key, world.secret
    )
    assert status == 404 and "no invitation" in answer["error"]
    # a code past its time
    secret = crypto.new_secret()
    assert world.invite(secret, crypto.public_bytes(world.tess_key))[0] == 201
    clock.now += dt.timedelta(days=15)
    status, answer = world.redeem("t-ben", crypto.invitation_id(secret), crypto.new_private_key(), secret)
    assert status == 410 and "expired" in answer["error"]
    # a therapist can't link to themselves
    secret = crypto.new_secret()
    world.invite(secret, crypto.public_bytes(world.tess_key))
    status, answer = world.redeem("t-tess", crypto.invitation_id(secret), world.tess_key, secret)
    assert status == 403 and "your own invitation" in answer["error"]
    assert world.server is server  # (the same server throughout)


def test_redeeming_hands_over_the_therapists_key_and_the_sealed_start_file(world):
    answer = world.redeemed
    assert answer["therapist"] == "tess"
    assert crypto.unb64(answer["therapist_key"]) == crypto.public_bytes(world.tess_key)
    assert crypto.open_with_secret(world.secret, crypto.unb64(answer["start"])) == b"start file"


def test_only_the_therapist_who_invited_sees_the_link_and_the_clients_proof(world):
    status, found = call(world.server, "t-tess", "GET", f"api/invitations/{world.link}")
    assert status == 200 and found["client"] == "ann"
    assert crypto.check_proof(world.secret, crypto.unb64(found["client_key"]), found["proof"])
    for token in ("t-theo", "t-ann"):
        assert call(world.server, token, "GET", f"api/invitations/{world.link}")[0] == 403
    status, listed = call(world.server, "t-tess", "GET", "api/invitations")
    assert [i["id"] for i in listed["invitations"]] == [world.link]
    assert "start" not in listed["invitations"][0]


def test_a_share_goes_to_the_linked_therapist_who_fetches_it_and_marks_it_received(world):
    sealed = crypto.seal(crypto.public_bytes(world.tess_key), b"stage one", sender=SENDER)
    envelope = uuid.uuid4().hex
    status, answer = world.send(data=sealed, envelope=envelope)
    assert status == 201 and answer == {"id": envelope, "size": len(sealed)}
    status, inbox = call(world.server, "t-tess", "GET", "api/envelopes")
    assert [(e["id"], e["sender"], e["kind"], e["size"]) for e in inbox["envelopes"]] == [
        (envelope, "ann", "share", len(sealed))
    ]
    status, data = call(world.server, "t-tess", "GET", f"api/envelopes/{envelope}")
    assert (
        status == 200
        and crypto.open_sealed(world.tess_key, data, sender=crypto.public_bytes(SENDER)) == b"stage one"
    )
    assert call(world.server, "t-tess", "POST", f"api/envelopes/{envelope}/received", body={})[0] == 200
    assert call(world.server, "t-tess", "GET", "api/envelopes")[1]["envelopes"] == []
    assert len(call(world.server, "t-tess", "GET", "api/envelopes", query={"all": "1"})[1]["envelopes"]) == 1


def test_no_one_else_can_read_or_mark_an_envelope(world):
    envelope = uuid.uuid4().hex
    world.send(envelope=envelope)
    for token in ("t-ben", "t-theo", "t-ann"):
        status, answer = call(world.server, token, "GET", f"api/envelopes/{envelope}")
        assert status == 403 and answer["error"] == "This isn't yours, so it can't be opened."
        assert call(world.server, token, "POST", f"api/envelopes/{envelope}/received", body={})[0] == 403
        assert call(world.server, token, "GET", "api/envelopes")[1]["envelopes"] == []
    assert call(world.server, "t-tess", "GET", f"api/envelopes/{uuid.uuid4().hex}")[0] == 404


def test_a_client_sends_only_to_their_own_therapist(world):
    status, answer = world.send(to="theo")
    assert (
        status == 403
        and answer["error"] == "You aren't linked to that person on this server, so nothing was sent."
    )
    # ben, not linked, can't send as ann over ann's link
    status, answer = world.send("t-ben")
    assert status == 403
    # nor can anyone use a link that was never redeemed
    secret = crypto.new_secret()
    world.invite(secret, crypto.public_bytes(world.tess_key))
    assert world.send(link=crypto.invitation_id(secret))[0] == 403
    assert call(world.server, "t-tess", "GET", "api/envelopes")[1]["envelopes"] == []


def test_an_envelope_sealed_for_another_therapist_is_refused(world):
    theo = crypto.new_private_key()
    status, answer = world.send(data=crypto.seal(crypto.public_bytes(theo), b"for theo's key", sender=SENDER))
    assert status == 403 and "sealed for a different key" in answer["error"]


def test_a_replayed_envelope_is_refused_even_after_it_was_received(world):
    envelope = uuid.uuid4().hex
    assert world.send(envelope=envelope)[0] == 201
    status, answer = world.send(envelope=envelope)
    assert status == 409 and "already been delivered" in answer["error"]
    call(world.server, "t-tess", "POST", f"api/envelopes/{envelope}/received", body={})
    assert world.send(envelope=envelope)[0] == 409
    assert len(call(world.server, "t-tess", "GET", "api/envelopes", query={"all": "1"})[1]["envelopes"]) == 1


def test_notes_go_only_from_the_therapist_to_the_linked_client(world):
    status, _ = world.send("t-tess", to="ann", kind="notes")
    assert status == 201
    assert world.send("t-theo", to="ann", kind="notes")[0] == 403
    assert world.send("t-tess", to="ben", kind="notes")[0] == 403
    # the client can't send "notes" to themselves or to the therapist
    assert world.send("t-ann", to="ann", kind="notes")[0] == 403
    # notes sealed to some other key than the one ann registered
    other = crypto.seal(crypto.public_bytes(crypto.new_private_key()), b"x", sender=SENDER)
    assert world.send("t-tess", to="ann", kind="notes", data=other)[0] == 403
    status, inbox = call(world.server, "t-ann", "GET", "api/envelopes", query={"kind": "notes"})
    [notes] = inbox["envelopes"]
    assert call(world.server, "t-ben", "GET", f"api/envelopes/{notes['id']}")[0] == 403
    assert call(world.server, "t-ben", "GET", "api/envelopes", query={"kind": "notes"})[1]["envelopes"] == []
    status, data = call(world.server, "t-ann", "GET", f"api/envelopes/{notes['id']}")
    assert crypto.open_sealed(world.ann_key, data, sender=crypto.public_bytes(SENDER)) == b"sealed words"


def test_size_and_count_limits_refuse_plainly(start, clock):
    server = start(
        Limits(envelope_bytes=4096, waiting=3, waiting_bytes=10_000, per_day=5, open_invitations=2)
    )
    world = World(server)
    status, answer = world.send(
        data=crypto.seal(crypto.public_bytes(world.tess_key), b"x" * 5000, sender=SENDER)
    )
    assert status == 413 and answer["error"].startswith("This is too large to send")
    for _ in range(3):
        assert world.send()[0] == 201
    status, answer = world.send()
    assert status == 429 and answer["error"].startswith("3 envelopes are already waiting")
    for envelope in call(server, "t-tess", "GET", "api/envelopes")[1]["envelopes"]:
        call(server, "t-tess", "POST", f"api/envelopes/{envelope['id']}/received", body={})
    assert world.send()[0] == 201 and world.send()[0] == 201
    status, answer = world.send()
    assert status == 429 and "in the last day" in answer["error"]
    clock.now += dt.timedelta(days=1, minutes=1)
    for envelope in call(server, "t-tess", "GET", "api/envelopes")[1]["envelopes"]:
        call(server, "t-tess", "POST", f"api/envelopes/{envelope['id']}/received", body={})
    # their size together: two envelopes of ~4000 bytes fit in 10,000, a third doesn't
    big = crypto.seal(crypto.public_bytes(world.tess_key), b"y" * 3900, sender=SENDER)
    assert world.send(data=big)[0] == 201
    assert world.send(data=big)[0] == 201
    clock.now += dt.timedelta(days=1, minutes=1)
    status, answer = world.send(data=big)
    assert status == 429 and "still waiting to be opened" in answer["error"]
    # open invitations: one is used (ann), two more may wait, the third is refused
    key = crypto.public_bytes(world.tess_key)
    assert world.invite(crypto.new_secret(), key)[0] == 201
    assert world.invite(crypto.new_secret(), key)[0] == 201
    status, answer = world.invite(crypto.new_secret(), key)
    assert status == 429 and "invitations are still open" in answer["error"]


def test_a_restart_loses_nothing(start):
    server = start()
    world = World(server)
    sent = [uuid.uuid4().hex for _ in range(3)]
    for envelope in sent:
        world.send(envelope=envelope)
    call(server, "t-tess", "POST", f"api/envelopes/{sent[0]}/received", body={})
    server.stop()
    world.server = server = start()
    waiting = [e["id"] for e in call(server, "t-tess", "GET", "api/envelopes")[1]["envelopes"]]
    assert waiting == sent[1:]
    status, data = call(server, "t-tess", "GET", f"api/envelopes/{sent[1]}")
    assert crypto.open_sealed(world.tess_key, data, sender=crypto.public_bytes(SENDER)) == b"sealed words"
    assert world.send(envelope=sent[0])[0] == 409  # still remembered after the restart
    assert world.send()[0] == 201  # the link is still there
    assert call(server, "t-tess", "GET", f"api/invitations/{world.link}")[1]["client"] == "ann"


def test_every_request_leaves_one_audit_line_without_content(world):
    sealed = crypto.seal(crypto.public_bytes(world.tess_key), b"x", sender=SENDER)
    world.send(data=sealed)
    call(world.server, "t-ben", "GET", "api/envelopes")
    lines = [json.loads(line) for line in world.server.service.audit_path.read_text().splitlines()]
    assert {"at", "who", "action", "target", "size", "status"} <= set(lines[-1])
    send = [line for line in lines if line["action"] == "send"][-1]
    assert (send["who"], send["size"], send["status"]) == ("ann", len(sealed), 201)
    assert (lines[-1]["who"], lines[-1]["action"], lines[-1]["status"]) == ("ben", "inbox", 200)
    assert [line["action"] for line in lines[:3]] == ["publish key", "invite", "redeem"]


def test_when_the_hub_does_not_answer_or_something_breaks_the_refusal_is_still_plain(world):
    server = world.server

    async def hub_down(handler):
        raise ConnectionError("hub down")

    server.service.identify = hub_down
    status, answer = call(server, "t-ann", "GET", "api/me")
    assert status == 503 and "couldn't check who you are" in answer["error"]
    server.service.identify = TokenIdentity(PEOPLE)
    server.service.inbox = None  # a bug inside the service
    status, answer = call(server, "t-ann", "GET", "api/envelopes")
    assert status == 500 and answer == refusal("failed")


class FakeHub(http.server.BaseHTTPRequestHandler):
    """The two hub API calls the service makes: who owns a token, and a user's groups."""

    tokens = {
        "ann-server-token": {
            "kind": "user",
            "name": "ann",
            "scopes": ["access:services!service=rejection-exchange"],
        },
        "tess-server-token": {"kind": "user", "name": "tess", "scopes": ["access:services"]},
        "no-access-token": {"kind": "user", "name": "ben", "scopes": ["access:servers!server=ben/"]},
    }
    groups = {"ann": [], "tess": ["therapists"], "ben": []}

    def do_GET(self):
        token = self.headers.get("Authorization", "").removeprefix("token ")
        if self.path == "/hub/api/user" and token in self.tokens:
            self.answer(200, self.tokens[token])
        elif self.path.startswith("/hub/api/users/") and token == "service-token":
            self.answer(
                200, {"name": self.path.rsplit("/", 1)[1], "groups": self.groups[self.path.rsplit("/", 1)[1]]}
            )
        else:
            self.answer(403, {"message": "no"})

    def answer(self, status, body):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


# The hub stops a service with SIGINT first. A service started from a background job (a
# shell script's `&`, as CI runs may be) inherits SIGINT ignored, and must stop on it anyway.
IGNORING_SIGINT = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "runpy.run_module('workbook.hub.service', run_name='__main__')"
)


@pytest.fixture
def fake_hub():
    """A stand-in for the hub's API (FakeHub), on a thread, on loopback."""
    hub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    yield hub
    hub.shutdown()


def _managed_service(started, tmp_path, hub, command=("-m", "workbook.hub.service")):
    """The exchange run as the hub runs a managed service (told who it is and where the hub
    is by the hub's variables), answering; returns (process, server)."""
    (port,) = free_ports(1)
    env = {
        **os.environ,
        "JUPYTERHUB_SERVICE_NAME": "rejection-exchange",
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
        "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub.server_address[1]}/hub/api",
        "JUPYTERHUB_API_TOKEN": "service-token",
        "JUPYTERHUB_CLIENT_ID": "service-rejection-exchange",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{PREFIX}oauth_callback",
        "JUPYTERHUB_OAUTH_ACCESS_SCOPES": json.dumps(["access:services!service=rejection-exchange"]),
        "JUPYTERHUB_HOST": "",
        "JUPYTERHUB_BASE_URL": "/",
        "REJECTION_EXCHANGE_DB": str(tmp_path / "exchange.sqlite"),
    }
    process = started([sys.executable, *command], env=env)
    server = type("Server", (), {"url": f"http://127.0.0.1:{port}{PREFIX}"})

    def healthy() -> bool:
        try:
            return call(server, None, "GET", "api/health")[0] == 200
        except OSError:
            return False

    process.wait_until(healthy, timeout=90, what="answering")
    return process, server


@pytest.mark.parametrize(
    "command, stop",
    [
        (["-m", "workbook.hub.service"], signal.SIGTERM),
        (["-c", IGNORING_SIGINT], signal.SIGINT),
    ],
    ids=["SIGTERM", "SIGINT-though-ignored-at-start"],
)
def test_run_as_a_hub_managed_service_it_asks_the_hub_who_is_calling(
    tmp_path, started, fake_hub, command, stop
):
    process, server = _managed_service(started, tmp_path, fake_hub, command)
    assert call(server, "ann-server-token", "GET", "api/me") == (200, {"name": "ann", "therapist": False})
    assert call(server, "tess-server-token", "GET", "api/me") == (
        200,
        {"name": "tess", "therapist": True},
    )
    status, answer = call(server, "no-access-token", "GET", "api/me")
    assert status == 403 and "doesn't give access to the exchange" in answer["error"]
    assert call(server, "made-up", "GET", "api/me")[0] == 401
    # a browser is sent to the hub's login
    request = urllib.request.Request(server.url)
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(request, timeout=10)
    assert err.value.code == 302 and "/hub/api/oauth2/authorize" in err.value.headers["Location"]
    # stopped as the hub stops it, within 5 s (the hub itself waits 10 s before it tries the
    # next signal), cleanly
    assert process.stop(stop, timeout=5) == 0
    # it closes its files: no write-ahead log left over
    assert (tmp_path / "exchange.sqlite").exists() and (tmp_path / "exchange.sqlite.audit.log").exists()
    assert not (tmp_path / "exchange.sqlite-wal").exists()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_therapist_withdraws_an_unused_invitation_and_its_code_stops_working(world, clock):
    server, tess_pub = world.server, crypto.public_bytes(world.tess_key)
    secret = crypto.new_secret()
    link = crypto.invitation_id(secret)
    assert world.invite(secret, tess_pub)[0] == 201
    # not with a cookie alone, not by another therapist, not by a client
    status, _ = call(server, None, "DELETE", f"api/invitations/{link}", headers={"Cookie": "x=1"})
    assert status in (401, 403)
    status, answer = call(server, "t-theo", "DELETE", f"api/invitations/{link}")
    assert status == 403 and "another therapist's" in answer["error"]
    status, answer = call(server, "t-ann", "DELETE", f"api/invitations/{link}")
    assert status == 403 and "Only a therapist" in answer["error"]
    # an unknown one
    status, answer = call(
        server, "t-tess", "DELETE", f"api/invitations/{crypto.invitation_id(crypto.new_secret())}"
    )
    assert status == 404 and "no invitation" in answer["error"]
    # one already used stays as it is: the client keeps their link
    status, answer = call(server, "t-tess", "DELETE", f"api/invitations/{world.link}")
    assert status == 409 and "already been used, so it can't be withdrawn" in answer["error"]
    assert world.send()[0] == 201
    # her own, unused: withdrawn (asking again is fine), listed as such, and the code is refused
    status, answer = call(server, "t-tess", "DELETE", f"api/invitations/{link}")
    assert status == 200 and answer["id"] == link and answer["withdrawn_at"]
    assert call(server, "t-tess", "DELETE", f"api/invitations/{link}") == (200, answer)
    listed = {i["id"]: i for i in call(server, "t-tess", "GET", "api/invitations")[1]["invitations"]}
    assert (
        listed[link]["withdrawn_at"] == answer["withdrawn_at"] and listed[world.link]["withdrawn_at"] is None
    )
    status, answer = world.redeem("t-ben", link, crypto.new_private_key(), secret)
    assert status == 410 and "taken this code back" in answer["error"] and "new one" in answer["error"]
    # one past its time can be withdrawn too (it is tidied away) and stays unusable
    secret = crypto.new_secret()
    old = crypto.invitation_id(secret)
    assert world.invite(secret, tess_pub)[0] == 201
    clock.now += dt.timedelta(days=15)
    assert call(server, "t-tess", "DELETE", f"api/invitations/{old}")[0] == 200
    assert world.redeem("t-ben", old, crypto.new_private_key(), secret)[0] == 410
    actions = [json.loads(line) for line in server.service.audit_path.read_text().splitlines()]
    withdrawals = [(a["who"], a["target"], a["status"]) for a in actions if a["action"] == "withdraw"]
    assert ("tess", link, 200) in withdrawals and ("theo", link, 403) in withdrawals


def test_a_withdrawn_invitation_frees_its_place_and_keeps_no_start_file(start):
    server = start(Limits(open_invitations=1))
    world_key = crypto.new_private_key()
    public = crypto.public_bytes(world_key)
    call(server, "t-tess", "PUT", "api/key", body={"public_key": crypto.b64(public)})

    def invite():
        secret = crypto.new_secret()
        body = invitation(secret, public)
        return crypto.invitation_id(secret), call(server, "t-tess", "POST", "api/invitations", body=body)[0]

    first, status = invite()
    assert status == 201 and invite()[1] == 429
    call(server, "t-tess", "DELETE", f"api/invitations/{first}")
    assert invite()[1] == 201
    row = server.service.store.one("SELECT start FROM invitations WHERE id = :id", id=first)
    assert bytes(row["start"]) == b""


# The invitations table as the first versions of the service made it
OLD_INVITATIONS = (
    "CREATE TABLE invitations (id TEXT PRIMARY KEY, therapist TEXT NOT NULL, therapist_key BLOB NOT NULL,"
    " start BLOB NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, client TEXT,"
    " client_key BLOB, proof TEXT, redeemed_at TEXT{more});"
)


def _old_database(path, script: str):
    """A service database as an earlier version left it: `script` run on a new file."""
    import sqlite3

    old = sqlite3.connect(path)
    old.executescript(script)
    old.commit()
    old.close()
    return path


def test_a_database_from_before_withdrawing_is_brought_up_to_date(tmp_path, clock):
    path = _old_database(
        tmp_path / "old.sqlite",
        OLD_INVITATIONS.format(more="")
        + "INSERT INTO invitations (id, therapist, therapist_key, start, created_at, expires_at)"
        " VALUES ('a', 'tess', x'00', x'00', '2026-11-28', '2026-12-12');",
    )
    service = Exchange(path, identify=TokenIdentity(PEOPLE), clock=clock)
    try:
        assert service.invitations_of("tess")[0]["withdrawn_at"] is None
        assert service.withdraw("tess", "a")["withdrawn_at"]
    finally:
        service.close()


# -- issue 19, part 4: the exchange, as an attacker with an ordinary account would try it ------
PREFIX = "/services/rejection-exchange/"
SERVE = """
import sys
from workbook.hub.service import Exchange, Running, TokenIdentity, User
people = {"t-ann": User("ann", False), "t-tess": User("tess", True)}
running = Running(Exchange(sys.argv[1], identify=TokenIdentity(people)), prefix=sys.argv[2])
print(running.url, flush=True)
sys.stdin.read()
running.stop()
"""


class ServiceProcess:
    """The service in a process of its own (so its memory is its own): `url`, `rss_mb()`."""

    def __init__(self, db):
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(db), PREFIX],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # its access log
            text=True,
        )
        self.url = self.process.stdout.readline().strip()
        self.port = urllib.parse.urlparse(self.url).port

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def stop(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(10)
        finally:
            self.process.kill()


def half_sent(port, path, *, size=16 * 2**20, send=8 * 2**20, headers=""):
    """A socket that has sent a request's headers (announcing `size` bytes of body) and then
    `send` bytes of it, stopping there; the service may hang up part way (that is fine)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n{headers}\r\n"
    sock.sendall(head.encode())
    chunk = b"\0" * 2**20
    try:
        for _ in range(send // len(chunk)):
            sock.sendall(chunk)
    except OSError:
        pass  # refused and closed: what we hope for
    return sock


def answer_of(sock, timeout=5.0) -> tuple[int, dict]:
    """The status and JSON body a socket got back (without sending anything more)."""
    sock.settimeout(timeout)
    raw = b""
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            raw += chunk
            head, _, body = raw.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length and len(body) >= int(length.group(1)):
                break
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head, "no answer at all"
    return int(head.split()[1]), json.loads(body or b"{}")


def until(condition, seconds=10.0):
    """Wait until `condition()` holds (the service works on its own thread)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.02)


def test_a_flood_of_half_sent_bodies_without_a_login_leaves_the_service_near_idle(tmp_path):
    """60 half-sent 16 MiB bodies with no token took the service from 131 MB to 1.4 GB (issue
    19): now it answers each from the headers alone and reads none of them."""
    service = ServiceProcess(tmp_path / "exchange.sqlite")
    try:
        assert call(service.url, "t-ann", "GET", "api/me")[0] == 200
        idle = service.rss_mb()
        path = f"{PREFIX}api/envelopes?id={'a' * 32}&link={'b' * 32}&kind=share&to=tess"
        socks = [half_sent(service.port, path) for _ in range(24)]
        socks += [half_sent(service.port, f"{PREFIX}api/me") for _ in range(6)]  # a route without bodies
        during = service.rss_mb()
        for sock in socks:
            sock.close()
        time.sleep(0.5)
        after = service.rss_mb()
        assert call(service.url, "t-ann", "GET", "api/me")[0] == 200  # still answering
    finally:
        service.stop()
    assert during - idle < 50 and after - idle < 50, (idle, during, after)


def test_a_body_is_refused_from_its_headers_before_it_is_sent(world):
    port = urllib.parse.urlparse(world.server.url).port
    path = f"{PREFIX}api/envelopes?id={'a' * 32}&link={world.link}&kind=share&to=tess"
    # no token: 403 at once, with nothing of the body sent
    status, answer = answer_of(half_sent(port, path, send=0))
    assert status == 403 and answer["key"] == "token_only"
    # a token, but more than the route takes: 413 from Content-Length alone
    status, answer = answer_of(
        half_sent(port, path, size=64 * 2**20, send=0, headers="Authorization: token t-ann\r\n")
    )
    assert status == 413 and answer["key"] == "too_large"
    key_path = f"{PREFIX}api/key"
    status, answer = answer_of(
        half_sent(port, key_path, size=2**20, send=0, headers="Authorization: token t-tess\r\n")
    )
    assert status == 413 and answer["key"] == "too_large"
    # a body that doesn't say its size is cut off at the route's limit too
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        f"PUT {key_path} HTTP/1.1\r\nHost: x\r\nAuthorization: token t-tess\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    )
    with contextlib.suppress(OSError):
        for _ in range(40):
            sock.sendall(b"4000\r\n" + b"{" * 0x4000 + b"\r\n")
    status, answer = answer_of(sock)
    assert status == 413 and answer["key"] == "too_large"


def test_one_person_sends_only_a_few_bodies_at_once(start):
    server = start(Limits(uploads_at_once=2))
    port = urllib.parse.urlparse(server.url).port
    path = f"{PREFIX}api/envelopes?id={'a' * 32}&link={'b' * 32}&kind=share&to=tess"
    waiting = [
        half_sent(port, path, size=4096, send=0, headers="Authorization: token t-ann\r\n") for _ in range(2)
    ]
    until(lambda: server.service._uploading.get("ann") == 2)
    status, answer = answer_of(
        half_sent(port, path, size=4096, send=0, headers="Authorization: token t-ann\r\n")
    )
    assert status == 429 and answer["key"] == "too_many_at_once"
    assert call(server, "t-ben", "GET", "api/me")[0] == 200  # others aren't held up
    for sock in waiting:
        sock.close()
    until(lambda: "ann" not in server.service._uploading)  # let go when they hang up
    body = json.dumps({"public_key": crypto.b64(crypto.public_bytes(crypto.new_private_key()))}).encode()
    assert call(server, "t-tess", "PUT", "api/key", data=body)[0] == 200
    status, _ = call(server, "t-ann", "POST", "api/envelopes", data=b"x", query={"id": "a" * 32})
    assert status == 400  # ann may send again once those are gone


def test_redeeming_needs_the_codes_secret_not_only_the_invitation_id(world):
    tess_pub = crypto.public_bytes(world.tess_key)
    secret = crypto.new_secret()
    link = crypto.invitation_id(secret)
    assert world.invite(secret, tess_pub)[0] == 201
    ben = crypto.new_private_key()
    ben_pub = crypto.public_bytes(ben)
    # someone who saw the id (in a path, in a log) but not the code
    for mac in (
        "0" * 64,
        crypto.redeem_mac(crypto.redeem_verifier(crypto.new_secret()), link, ben_pub),  # another code
        crypto.redeem_mac(
            crypto.redeem_verifier(secret), link, crypto.public_bytes(crypto.new_private_key())
        ),
        crypto.redeem_mac(crypto.redeem_verifier(secret), world.link, ben_pub),  # another invitation
    ):
        for verb in ("key", "redeem"):
            status, answer = world.redeem("t-ben", link, ben, secret, mac=mac, verb=verb)
            assert status == 403 and answer == refusal("wrong_code"), (verb, answer)
    # nothing was used up: with the code, ben looks at the key, then redeems
    status, looked = world.redeem("t-ben", link, ben, secret, verb="key")
    assert status == 200 and looked == {
        "id": link,
        "therapist": "tess",
        "therapist_key": crypto.b64(tess_pub),
    }
    assert call(world.server, "t-tess", "GET", f"api/invitations/{link}")[1]["client"] is None
    status, answer = world.redeem("t-ben", link, ben, secret)
    assert status == 200 and answer["therapist"] == "tess"
    # the service keeps only the verifier: the secret can't be worked back from what it holds
    row = world.server.service.store.one("SELECT * FROM invitations WHERE id = :id", id=link)
    assert bytes(row["verifier"]) == crypto.redeem_verifier(secret)
    assert secret not in b"".join(bytes(v) if isinstance(v, bytes) else str(v).encode() for v in tuple(row))
    # an invitation without a verifier isn't taken
    body = invitation(crypto.new_secret(), tess_pub)
    del body["verifier"]
    status, answer = call(world.server, "t-tess", "POST", "api/invitations", body=body)
    assert status == 400 and answer == refusal("bad_request", what="verifier")


def test_invitations_from_before_the_secret_was_needed_are_refused_plainly(tmp_path, clock):
    path = _old_database(
        tmp_path / "old.sqlite",
        OLD_INVITATIONS.format(more=", withdrawn_at TEXT")
        + "INSERT INTO invitations (id, therapist, therapist_key, start, created_at, expires_at)"
        f" VALUES ('{'a' * 32}', 'tess', x'00', x'00', '2026-11-28', '2999-12-12');"
        "INSERT INTO invitations (id, therapist, therapist_key, start, created_at, expires_at, client)"
        f" VALUES ('{'b' * 32}', 'tess', x'00', x'00', '2026-11-28', '2999-12-12', 'ann');",
    )
    service = Exchange(path, identify=TokenIdentity(PEOPLE), clock=clock)
    try:
        key = crypto.public_bytes(crypto.new_private_key())
        with pytest.raises(Exception) as refused:
            service.redeem("ben", "a" * 32, key, "0" * 64, "0" * 64)
        assert refused.value.key == "old_code" and "ask your therapist for a new one" in str(refused.value)
        listed = {i["id"]: i for i in service.invitations_of("tess")}
        # the unused one no longer shows as open; the used one is as it was
        assert listed["a" * 32]["expires_at"] < "2999" and listed["b" * 32]["expires_at"] == "2999-12-12"
    finally:
        service.close()


LOW_ORDER = [
    bytes(32),  # all zero
    (1).to_bytes(32, "little"),
    (2**255 - 19 - 1).to_bytes(32, "little"),
    (2**255 - 19).to_bytes(32, "little"),  # zero again, written another way
    (2**255 - 19 + 1).to_bytes(32, "little"),
    bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
    bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7"),  # high bit set
]


def test_low_order_and_all_zero_keys_are_refused(world):
    secret = crypto.new_secret()
    for weak in LOW_ORDER:
        status, answer = call(world.server, "t-tess", "PUT", "api/key", body={"public_key": crypto.b64(weak)})
        assert status == 400 and answer == refusal("weak_key"), weak.hex()
        status, answer = world.invite(secret, weak)
        assert status == 400 and answer["key"] == "weak_key"
        for verb in ("key", "redeem"):
            status, answer = world.redeem("t-ben", world.link, weak, world.secret, verb=verb)
            assert status == 400 and answer["key"] == "weak_key"
    assert call(world.server, "t-tess", "GET", f"api/invitations/{world.link}")[1]["client"] == "ann"


def test_a_cookie_with_a_junk_authorization_header_can_not_withdraw_an_invitation(world):
    """The hub's login falls back to the cookie when a token doesn't check out: a change is
    judged by its token alone."""
    server = world.server
    identify = server.service.identify
    secret = crypto.new_secret()
    link = crypto.invitation_id(secret)
    assert world.invite(secret, crypto.public_bytes(world.tess_key))[0] == 201

    async def cookie_or_token(handler):  # as HubAuth does: the token first, else the cookie
        return await identify(handler) or (
            PEOPLE["t-tess"] if handler.request.headers.get("Cookie") == "hub=tess" else None
        )

    server.service.identify = cookie_or_token
    assert call(server, None, "GET", "api/me", headers={"Cookie": "hub=tess"})[1]["name"] == "tess"
    for junk in ("token junk", "bearer x", "token", "Basic dGVzczp0ZXNz", "nonsense"):
        headers = {"Cookie": "hub=tess", "Authorization": junk}
        status, answer = call(server, None, "DELETE", f"api/invitations/{link}", headers=headers)
        assert status == 403 and answer == refusal("token_only"), junk
    assert [
        i["withdrawn_at"] for i in call(server, "t-tess", "GET", "api/invitations")[1]["invitations"]
    ] == [
        None,
        None,
    ]
    assert call(server, "t-tess", "DELETE", f"api/invitations/{link}")[0] == 200  # her token can


class GroupHub(FakeHub):
    groups: dict = {}


def test_therapist_rights_follow_the_hub_group_within_a_minute(monkeypatch):
    """Taken out of the `therapists` group, a therapist loses the rights within 60 s, whatever
    their token said at log-in, and however long the cache was set to keep them."""
    import types

    from workbook.hub import service as service_module
    from workbook.hub.service import HubIdentity

    GroupHub.groups = {"tess": ["therapists"], "ben": []}
    hub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), GroupHub)
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    now = [1000.0]
    monkeypatch.setattr(service_module.time, "monotonic", lambda: now[0])

    async def logged_in(handler, sync=False):  # the token's model as at log-in: "a therapist"
        return {"kind": "user", "name": handler, "scopes": [], "groups": ["therapists"]}

    auth = types.SimpleNamespace(
        api_url=f"http://127.0.0.1:{hub.server_address[1]}/hub/api",
        api_token="service-token",
        access_scopes=set(),
        get_user=logged_in,
        certfile="",
        keyfile="",
        client_ca="",
    )
    identity = HubIdentity(auth, group_cache_seconds=3600)

    async def who(name):
        return (await identity(name)).therapist

    try:
        assert identity.group_cache_seconds <= 60
        assert aio.run(who("tess")) is True
        assert aio.run(who("ben")) is False  # the hub says so, whatever the token says
        GroupHub.groups["tess"] = []  # taken out of the group
        now[0] += 61
        assert aio.run(who("tess")) is False
    finally:
        hub.shutdown()


def test_no_token_reaches_a_log_line(tmp_path, started, fake_hub):
    """A token sent as ?token= (a link, a mistake) is never written by the service's logs."""
    process, server = _managed_service(started, tmp_path, fake_hub)
    assert call(server, "ann-server-token", "GET", "api/me", query={"token": "SECRET-1"})[0] == 200
    assert call(server, None, "GET", "api/me", query={"token": "SECRET-2"})[0] == 401
    assert call(server, None, "GET", "api/nowhere", query={"token": "SECRET-3"})[0] == 404
    assert call(server, None, "PUT", "api/key", data=b"{}", query={"token": "SECRET-4"})[0] in (401, 403)
    # a browser's way back from the hub's login (the code in it is a credential; JupyterHub's
    # own library logs a state that doesn't match its cookie, and a state is none)
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(f"{server.url}oauth_callback?code=SECRET-5&state=not-a-secret", timeout=10)
    call(server, "ann-server-token", "GET", "api/envelopes", query={"kind": "bad", "token": "SECRET-7"})
    process.stop(signal.SIGTERM, timeout=10)
    log = process.output()
    assert "GET /services/rejection-exchange/api/me" in log  # the requests are logged...
    assert "SECRET" not in log  # ...without what came after the "?"
    assert "SECRET" not in (tmp_path / "exchange.sqlite.audit.log").read_text()


class Hiccups(TokenIdentity):
    """The hub gives no answer the first `misses` times it is asked (a busy or restarting hub)."""

    def __init__(self, people, misses):
        super().__init__(people)
        self.misses, self.asked = misses, 0

    async def __call__(self, handler):
        self.asked += 1
        if self.asked <= self.misses:
            raise ConnectionResetError("the hub dropped the connection")
        return await super().__call__(handler)


@pytest.mark.parametrize("misses", [1, 2, 3])
def test_a_hub_that_misses_an_answer_or_two_is_asked_again_and_one_that_misses_three_is_said_plainly(
    tmp_path, misses
):
    identity = Hiccups(PEOPLE, misses)
    server = Running(Exchange(tmp_path / "exchange.sqlite", identify=identity), prefix="/services/x/")
    try:
        status, answer = call(server, "t-ann", "GET", "api/me")
    finally:
        server.stop()
    if misses < 3:  # a busy moment: the person's request goes through
        assert (status, answer["name"]) == (200, "ann") and identity.asked == misses + 1
    else:  # still no answer: a calm refusal that says the hub didn't answer, not a bare 500
        assert status == 503 and answer == refusal("hub_unreachable") and identity.asked == 3


def test_a_refusal_says_the_connection_closes_so_a_proxy_does_not_reuse_it(start):
    """A request refused before its body is read ends its connection (Tornado's way). The hub's
    proxy keeps connections for the next request: unless the answer says so, the next one goes
    down the closed connection and the person gets the proxy's 503 (a CI run caught it)."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(start().url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    try:
        for method, body in (("DELETE", None), ("POST", b'{"public_key": "x"}'), ("GET", None)):
            connection.request(
                method,
                f"{where.path}api/invitations/{'a' * 32}",
                body=body,
                headers={"Authorization": "token junk"},
            )
            answer = connection.getresponse()
            answer.read()
            assert answer.status in (401, 403), (method, answer.status)
            assert answer.getheader("Connection") == "close", method
            connection.close()
    finally:
        connection.close()
