"""The app's hub verbs against the real service on loopback: join, send, collect, notes back."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest

from workbook import exchange
from workbook.hub import client, crypto
from workbook.hub.client import HubError
from workbook.hub.service import Limits, User
from workbook.store import Home

from .hubcalls import exchange_on_loopback

PEOPLE = {"t-tess": User("tess", True), "t-ann": User("ann", False), "t-ben": User("ben", False)}
SECRET_WORDS = ("Marigold-Umbrella-4417", "the interview at Quillfeather", "zebracorn sadness")


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A running service; `hub.as_(name)` makes the next calls as that person."""
    with exchange_on_loopback(tmp_path / "service" / "exchange.sqlite", monkeypatch, PEOPLE) as running:
        yield running


@pytest.fixture
def homes(tmp_path):
    return {name: Home(tmp_path / name) for name in ("tess", "ann", "ben")}


def tess_invites_ann(hub, homes, *, passphrase=None, **invitation):
    """tess makes keys and invites Ann (stage 1, unless told otherwise); returns (practice, code)."""
    hub.as_("tess")
    client.ensure_keys(passphrase, home=homes["tess"])
    practice = exchange.practice_home(homes["tess"])
    return practice, client.invite(practice, name="Ann", **{"stages": [1], **invitation})


def linked_pair(hub, homes, *, passphrase=None):
    """tess makes keys and invites ann, who joins; returns (practice, ann's workbook, code)."""
    practice, code = tess_invites_ann(
        hub, homes, passphrase=passphrase, stages=[1, 2, 4], welcome="Welcome, Ann."
    )
    hub.as_("ann")
    wb = client.join(homes["ann"], code)
    return practice, wb, code


def ben_joins(hub, homes, practice):
    """tess invites ben to Stage 1 as well and he joins: his workbook (the hub acting as ben)."""
    hub.as_("tess")
    code = client.invite(practice, name="Ben", stages=[1])
    hub.as_("ben")
    return client.join(homes["ben"], code)


def test_on_hub_only_with_the_hubs_settings_and_a_service_that_answers(hub, monkeypatch):
    hub.as_("ann")
    assert client.on_hub()
    assert client.whoami() == {"name": "ann", "therapist": False}
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX")
    assert not client.on_hub()
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ann/")
    monkeypatch.delenv(client.URL_ENV)
    monkeypatch.delenv("JUPYTERHUB_PUBLIC_URL", raising=False)
    assert not client.on_hub()
    monkeypatch.setenv(client.URL_ENV, "http://127.0.0.1:9/nothing-here/")
    assert not client.on_hub()


def test_a_client_joins_with_the_code_and_the_therapist_collects_what_they_send(hub, homes):
    practice, wb, code = linked_pair(hub, homes)
    assert client.linked(wb)
    assert wb.meta("welcome_note") == "Welcome, Ann." and wb.meta("stages_on") == [1, 2, 4]
    wb.put("rejection", {"kind": "job or career", "description": f"{SECRET_WORDS[0]}: {SECRET_WORDS[1]}"})
    assert client.send(wb, [1]) == 1
    hub.as_("tess")
    [result] = client.collect(practice)
    assert result.added >= 1 and result.stages == [1] and not result.new_client
    with practice.open(result.slug) as copy:
        assert [e["description"] for e in copy.entries("rejection")] == [
            f"{SECRET_WORDS[0]}: {SECRET_WORDS[1]}"
        ]
    assert client.collect(practice) == []  # received once, gone from the inbox


def test_notes_come_back_to_the_client_and_only_to_them(hub, homes):
    practice, wb, _code = linked_pair(hub, homes)
    wb.put("rejection", {"kind": "job or career", "description": "Job"})
    client.send(wb, [1])
    hub.as_("tess")
    [result] = client.collect(practice)
    with practice.open(result.slug) as copy:
        exchange.annotate(copy, 1, SECRET_WORDS[2])
        assert client.send_notes(copy) == 1
    # ben, another client, finds nothing of ann's and can't fetch it by id
    hub.as_("ben")
    ben_wb = homes["ben"].create("Ben's own")
    ben_wb.set_meta("hub", wb.meta("hub"))  # even with ann's link copied in
    with pytest.raises(HubError):
        client.receive(ben_wb)
    hub.as_("ann")
    counts = client.receive(wb)
    assert counts["added"] == 1
    assert [e["text"] for e in wb.entries("therapist_note")] == [SECRET_WORDS[2]]
    assert client.receive(wb) == {}


def test_a_service_that_swaps_the_therapists_key_is_caught_and_nothing_is_written(hub, homes):
    practice, code = tess_invites_ann(hub, homes)
    # the service (or someone who took it over) now hands out another key for this invitation
    db = hub.service.store.conn
    db.execute("UPDATE invitations SET therapist_key = ?", (crypto.public_bytes(crypto.new_private_key()),))
    hub.as_("ann")
    with pytest.raises(HubError, match="not the one in your code"):
        client.join(homes["ann"], code)
    assert homes["ann"].list() == []


def test_a_service_that_swaps_the_clients_key_gets_no_notes(hub, homes):
    practice, wb, _code = linked_pair(hub, homes)
    hub.service.store.conn.execute(
        "UPDATE invitations SET client_key = ?", (crypto.public_bytes(crypto.new_private_key()),)
    )
    hub.as_("tess")
    [info] = practice.list()
    with practice.open(info.slug) as copy:
        exchange.annotate(copy, 1, "a note")
        with pytest.raises(HubError, match="doesn't match"):
            client.send_notes(copy)


def test_a_mistyped_code_and_a_used_code_are_refused_plainly(hub, homes):
    _practice, _wb, code = linked_pair(hub, homes)
    hub.as_("ben")
    with pytest.raises(HubError, match="letter by letter"):
        client.join(homes["ben"], code[:-2])
    with pytest.raises(HubError, match="already been used"):
        client.join(homes["ben"], code)
    assert homes["ben"].list() == []


def test_a_tampered_envelope_is_left_out_and_the_rest_brought_in(hub, homes):
    practice, wb, _code = linked_pair(hub, homes)
    wb.put("rejection", {"kind": "job or career", "description": "One"})
    client.send(wb, [1])
    client.send(wb, [1])
    db = hub.service.store.conn
    first = db.execute("SELECT id, data FROM envelopes ORDER BY sent_at").fetchone()
    changed = bytearray(first["data"])
    changed[-3] ^= 0xFF
    db.execute("UPDATE envelopes SET data = ? WHERE id = ?", (bytes(changed), first["id"]))
    hub.as_("tess")
    with pytest.raises(HubError, match="1 of the messages") as err:
        client.collect(practice)
    assert len(err.value.results) == 1
    assert client.collect(practice) == []


def test_a_share_claiming_another_clients_workbook_is_left_out(hub, homes):
    practice, ann_wb, _ = linked_pair(hub, homes)
    ben_wb = ben_joins(hub, homes, practice)
    ben_wb.put("rejection", {"kind": "job or career", "description": "Forged into Ann's copy"})
    ben_wb.set_meta("exchange_id", exchange.exchange_id(ann_wb))  # ben pretends to be ann's workbook
    client.send(ben_wb, [1])
    hub.as_("tess")
    with pytest.raises(HubError, match="couldn't be opened"):
        client.collect(practice)
    for info in practice.list():
        with practice.open(info.slug) as copy:
            assert copy.entries("rejection") == []


def test_keys_are_private_and_a_backup_restores_the_practice(hub, homes):
    practice, wb, _code = linked_pair(hub, homes, passphrase="tess's long passphrase")
    path = crypto.key_path(homes["tess"].path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    wb.put("rejection", {"kind": "job or career", "description": "Lost key"})
    client.send(wb, [1])
    hub.as_("tess")
    with pytest.raises(HubError, match="protected with a passphrase"):
        client.collect(practice)
    backup = client.key_backup("backup words", unlock="tess's long passphrase", home=homes["tess"])
    with pytest.raises(HubError, match="doesn't open this key"):
        client.key_backup("backup words", home=homes["tess"])
    path.unlink()  # the key is lost
    with pytest.raises(HubError, match="hasn't been made"):
        client.collect(practice)
    with pytest.raises(HubError, match="doesn't open this key"):
        client.key_restore(backup, "wrong words", home=homes["tess"])
    fingerprint = client.key_restore(backup, "backup words", home=homes["tess"])
    assert fingerprint == client.ensure_keys(home=homes["tess"])
    [result] = client.collect(practice)
    assert result.added >= 1


def test_sending_from_an_unlinked_workbook_or_without_the_hub_says_so(hub, homes, monkeypatch):
    hub.as_("ann")
    wb = homes["ann"].create("Mine")
    assert not client.linked(wb)
    with pytest.raises(HubError, match="isn't linked"):
        client.send(wb, [1])
    hub.as_("tess")
    practice = exchange.practice_home(homes["tess"])
    with pytest.raises(HubError, match="hasn't been made"):
        client.invite(practice, name="Ann", stages=[1])
    client.ensure_keys(home=homes["tess"])
    hub.as_("ann")  # a client can't invite: the service refuses, and no copy is left behind
    client.ensure_keys(home=homes["ann"])
    with pytest.raises(HubError, match="Only a therapist"):
        client.invite(exchange.practice_home(homes["ann"]), name="Zed", stages=[1])
    assert exchange.practice_home(homes["ann"]).list() == []
    hub.stop()
    with pytest.raises(HubError, match="isn't answering"):
        client.whoami()


def test_the_service_keeps_none_of_the_words_in_any_file_it_wrote(hub, homes):
    practice, wb, _code = linked_pair(hub, homes)
    wb.put("rejection", {"kind": "job or career", "description": f"{SECRET_WORDS[0]}: {SECRET_WORDS[1]}"})
    client.send(wb, [1])
    client.send(wb, [1])
    hub.as_("tess")
    results = client.collect(practice)
    with practice.open(results[0].slug) as copy:
        exchange.annotate(copy, 1, SECRET_WORDS[2])
        client.send_notes(copy)
    hub.as_("ann")
    client.send(wb, [1])  # one share still waiting in the service when we look
    hub.stop()
    written = [p for p in hub.dir.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"exchange.sqlite", "exchange.sqlite.audit.log"}
    for path in written:
        raw = path.read_bytes()
        for words in (*SECRET_WORDS, "Welcome, Ann."):
            for form in (words.encode(), words.encode("utf-16-le"), base64.b64encode(words.encode())):
                assert form not in raw, (path.name, words)
    audit = [json.loads(line) for line in (hub.dir / "exchange.sqlite.audit.log").read_text().splitlines()]
    assert {"publish key", "invite", "redeem", "send", "inbox", "fetch", "received"} <= {
        a["action"] for a in audit
    }


def test_limits_on_the_service_reach_the_person_as_a_plain_sentence(tmp_path, homes, monkeypatch):
    with exchange_on_loopback(tmp_path / "x.sqlite", monkeypatch, PEOPLE, limits=Limits(waiting=1)) as hub:
        hub.as_("tess")
        client.ensure_keys(home=homes["tess"])
        code = client.invite(exchange.practice_home(homes["tess"]), name="Ann", stages=[1])
        hub.as_("ann")
        wb = client.join(homes["ann"], code)
        client.send(wb, [1])
        with pytest.raises(HubError, match="already waiting to be opened") as err:
            client.send(wb, [1])
        assert err.value.status == 429


def test_restoring_over_a_different_key_keeps_that_key_beside_it(homes):
    first = client.ensure_keys(home=homes["tess"])
    backup = client.key_backup("backup words", home=homes["tess"])
    crypto.key_path(homes["tess"].path).unlink()
    second = client.ensure_keys(home=homes["tess"])  # a new key made meanwhile
    assert second != first
    assert client.key_restore(backup, "backup words", home=homes["tess"]) == first
    [kept] = homes["tess"].path.glob("hub-key.json.replaced-*")
    assert crypto.fingerprint(json_public(kept)) == second
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600


def json_public(path):
    return base64.b64decode(json.loads(path.read_text())["public"])


def test_a_therapist_lists_and_withdraws_codes_nobody_used_and_the_withdrawn_code_is_refused(hub, homes):
    practice, _wb, _code = linked_pair(hub, homes)  # ann's code is used
    hub.as_("tess")
    assert client.open_invitations(practice) == []
    code = client.invite(practice, name="Ben", stages=[1])
    [listed] = client.open_invitations(practice)
    assert listed["name"] == "Ben" and listed["created_at"] < listed["expires_at"]
    client.withdraw(listed["id"])
    assert client.open_invitations(practice) == []
    with pytest.raises(HubError, match="isn't one this practice knows"):
        client.withdraw("not an id")
    with practice.open(next(i.slug for i in practice.list() if i.name == "Ann")) as copy:
        ann_link = copy.meta("hub")["link"]
    with pytest.raises(HubError, match="already been used, so it can't be withdrawn"):
        client.withdraw(ann_link)
    hub.as_("ben")
    with pytest.raises(HubError, match="taken this code back"):
        client.join(homes["ben"], code)
    assert homes["ben"].list() == []


# -- issue 19, part 4: redeeming, as a client would notice it ----------------------------------
def test_a_swapped_key_is_caught_before_the_code_is_used_and_the_code_still_works(hub, homes):
    practice, code = tess_invites_ann(hub, homes)
    db = hub.service.store.conn
    real = db.execute("SELECT therapist_key FROM invitations").fetchone()[0]
    db.execute("UPDATE invitations SET therapist_key = ?", (crypto.public_bytes(crypto.new_private_key()),))
    hub.as_("ann")
    with pytest.raises(HubError, match="not the one in your code") as err:
        client.join(homes["ann"], code)
    assert homes["ann"].list() == []
    # the code wasn't used: the therapist still sees it waiting, and once the right key is
    # handed out again, ann (or anyone with the code) joins with it
    hub.as_("tess")
    assert [i["name"] for i in client.open_invitations(practice)] == ["Ann"]
    db.execute("UPDATE invitations SET therapist_key = ?", (real,))
    hub.as_("ann")
    wb = client.join(homes["ann"], code)
    assert client.linked(wb) and wb.meta("hub")["therapist"] == "tess"
    assert err.value.key == "client.key_mismatch"  # for the page, in the person's language


def test_a_key_anyone_could_open_is_refused_even_if_the_code_names_it(hub, homes):
    """A service (or someone who took it over) that makes an invitation of its own for the
    all-zero key, whose "secret" with any key is known, gets no client to seal to it."""
    secret = crypto.new_secret()
    link = crypto.invitation_id(secret)
    start = exchange.prepare(exchange.practice_home(homes["tess"]), "Ann", welcome_note="", stages_on=[1])[1]
    hub.service.store.conn.execute(
        "INSERT INTO invitations (id, therapist, therapist_key, start, verifier, created_at, expires_at)"
        " VALUES (?, 'tess', ?, ?, ?, '2026-01-01', '2999-01-01')",
        (link, bytes(32), crypto.seal_with_secret(secret, start), crypto.redeem_verifier(secret)),
    )
    hub.as_("ann")
    with pytest.raises(HubError, match="not the one in your code"):
        client.join(homes["ann"], crypto.make_code(secret, crypto.fingerprint_bytes(bytes(32))))
    assert homes["ann"].list() == []
    for weak in (bytes(32), (1).to_bytes(32, "little"), (2**255 - 20).to_bytes(32, "little")):
        with pytest.raises(crypto.CryptoError) as err:
            crypto.check_peer_key(weak)
        assert err.value.reason == "weak_key" and "can't keep anything private" in str(err.value)
    ok = crypto.public_bytes(crypto.new_private_key())
    assert crypto.check_peer_key(ok) == ok


def test_a_refusal_carries_its_key_and_is_said_in_the_persons_language(hub, homes):
    import io
    import urllib.error

    from workbook import content

    _practice, _wb, code = linked_pair(hub, homes)
    hub.as_("ben")
    with pytest.raises(HubError, match="already been used") as err:
        client.join(homes["ben"], code)
    assert (err.value.key, err.value.values, err.value.status) == ("service.used", {}, 409)
    # the page's language, not the service's: the key is what the app translates
    said = {"error": "This is too large to send (20 MiB; up to 16 MiB fit).", "key": "too_large"}
    said["values"] = {"size": "20", "limit": "16"}
    refusal = urllib.error.HTTPError("u", 413, "Too large", {}, io.BytesIO(json.dumps(said).encode()))
    content.set_language("es")
    found = client._refused(refusal)
    content.set_language(None)
    assert str(found) == "Esto es demasiado grande para enviarlo (20 MiB; caben hasta 16 MiB)."
    assert (found.key, found.values, found.status) == ("service.too_large", said["values"], 413)
    # one this app doesn't know (a newer service) is shown as the service said it
    said = {"error": "Something new.", "key": "from_the_future", "values": {}}
    refusal = urllib.error.HTTPError("u", 400, "Bad", {}, io.BytesIO(json.dumps(said).encode()))
    assert str(client._refused(refusal)) == "Something new."


# -- issue 20, item 4: a code read aloud in one breath, the key check kept ---------------------
def test_the_code_is_twelve_characters_and_still_checks_the_therapists_key(hub, homes):
    import re

    practice, wb, code = linked_pair(hub, homes)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code), code
    assert client.linked(wb)
    # as a person types it after hearing it: small letters, spaces, O for 0, I or L for 1
    hub.as_("tess")
    code = client.invite(practice, name="Ben", stages=[1])
    typed = " ".join(code.replace("-", "").lower()).replace("0", "o").replace("1", "l")
    hub.as_("ben")
    assert client.linked(client.join(homes["ben"], typed))
    # the service keeps no fingerprint and no code: what it hands over is checked with a MAC
    # under the code's secret, which a service swapping the key can't make for its own key
    hub.as_("tess")
    code = client.invite(practice, name="Cai", stages=[1])
    db = hub.service.store.conn
    other = crypto.public_bytes(crypto.new_private_key())
    link = crypto.invitation_id(crypto.code_secret(code))
    forged = crypto.key_mac(crypto.code_secret(crypto.new_code()), link, other)  # another code's
    db.execute("UPDATE invitations SET therapist_key = ?, key_mac = ? WHERE id = ?", (other, forged, link))
    hub.as_("ben")
    with pytest.raises(HubError, match="not the one in your code"):
        client.join(Home(homes["ben"].path.parent / "cai"), code)
    stored = b" ".join(
        bytes(v) if isinstance(v, bytes) else str(v).encode()
        for v in db.execute("SELECT * FROM invitations WHERE id = ?", (link,)).fetchone()
    )
    assert code.replace("-", "").encode() not in stored
    # a mistyped character is caught at once (the check character), before the service is asked
    slip = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(HubError, match="letter by letter") as err:
        client.join(homes["ben"], slip)
    assert err.value.status is None


def test_a_long_code_handed_out_before_still_joins(hub, homes):
    """Codes made before short ones (the secret and the key's fingerprint) keep working."""
    hub.as_("tess")
    client.ensure_keys(home=homes["tess"])
    tess_pub = crypto.read_public(homes["tess"].path)
    client._request("PUT", "api/key", json_body={"public_key": crypto.b64(tess_pub)})
    secret = crypto.new_secret()
    start = exchange.prepare(exchange.practice_home(homes["tess"]), "Ann", welcome_note="", stages_on=[1])[1]
    body = {
        "id": crypto.invitation_id(secret),
        "public_key": crypto.b64(tess_pub),
        "start": crypto.b64(crypto.seal_with_secret(secret, start)),
        "verifier": crypto.b64(crypto.redeem_verifier(secret)),
    }
    client._request("POST", "api/invitations", json_body=body)
    hub.as_("ann")
    wb = client.join(homes["ann"], crypto.make_code(secret, crypto.fingerprint_bytes(tess_pub)))
    assert client.linked(wb) and wb.meta("hub")["therapist"] == "tess"


def test_guessing_codes_meets_a_limit_and_then_even_the_right_code_waits(tmp_path, homes, monkeypatch):
    with exchange_on_loopback(
        tmp_path / "x.sqlite", monkeypatch, PEOPLE, limits=Limits(wrong_codes=3)
    ) as hub:
        hub.as_("tess")
        client.ensure_keys(home=homes["tess"])
        code = client.invite(exchange.practice_home(homes["tess"]), name="Ann", stages=[1])
        hub.as_("ben")
        for _ in range(3):
            with pytest.raises(HubError, match="no invitation with that code"):
                client.join(homes["ben"], crypto.new_code())
        with pytest.raises(HubError, match="try again in an hour") as err:
            client.join(homes["ben"], code)
        assert err.value.status == 429 and err.value.key == "service.too_many_tries"
        hub.as_("ann")  # another person isn't held up
        assert client.linked(client.join(homes["ann"], code))
