"""Who sealed an envelope, end to end with the real service on loopback: a share opens only as
sealed by the client who used that invitation, notes only as sealed by the therapist whose key
was in the code. The service (which holds every public key and writes every row) and another
client of the same therapist try to pass their own envelopes off as someone else's."""

from __future__ import annotations

import pytest

from tests.test_hub_client import ben_joins, homes, hub, linked_pair  # noqa: F401 (fixtures)
from workbook import exchange
from workbook.hub import client, crypto
from workbook.hub.client import HubError
from workbook.store import Home

FORGED = "Forged: written by someone who isn't this client"


def forge(to_public: bytes, plain: bytes, *, named: bytes, context: str) -> bytes:
    """An envelope to `to_public` sealed with a key of the forger's own, naming `named` as its
    sender: the most anyone holding only public keys (the service, say) can make."""
    sealed = bytearray(crypto.seal(to_public, plain, sender=crypto.new_private_key(), context=context))
    sealed[1 + crypto.FP_LEN : 1 + 2 * crypto.FP_LEN] = crypto.fingerprint_bytes(named)
    return bytes(sealed)


def share_as(tmp_path, exchange_id: str, words: str) -> bytes:
    """A share file for the workbook `exchange_id`, written by whoever knows that id."""
    scratch = Home(tmp_path / "forger")
    with scratch.create("Ann") as wb:
        wb.set_meta("exchange_id", exchange_id)
        wb.put("rejection", {"kind": "job or career", "description": words})
        return exchange.share_file(wb, [1])


def swap_data(hub, data: bytes, **where) -> None:  # noqa: F811 (hub is the running service)
    """What a service (or whoever took it over) can do: replace an envelope's bytes and labels."""
    db = hub.service.store.conn
    row = db.execute("SELECT id FROM envelopes ORDER BY sent_at DESC LIMIT 1").fetchone()
    sets = ", ".join(f"{column} = ?" for column in ("data", *where))
    db.execute(f"UPDATE envelopes SET {sets} WHERE id = ?", (data, *where.values(), row["id"]))


def rejections(practice) -> list[str]:
    found = []
    for info in practice.list():
        with practice.open(info.slug) as copy:
            found += [e["description"] for e in copy.entries("rejection")]
    return found


def test_a_share_the_service_seals_as_the_client_is_refused(hub, homes, tmp_path):  # noqa: F811
    practice, wb, _code = linked_pair(hub, homes)
    link = wb.meta("hub")["link"]
    wb.put("rejection", {"kind": "job or career", "description": "Ann's own words"})
    client.send(wb, [1])
    # the service knows tess's key and ann's, the invitation, and (say) ann's workbook id
    tess_public = crypto.read_public(homes["tess"].path)
    forged = share_as(tmp_path, exchange.exchange_id(wb), FORGED)
    swap_data(
        hub, forge(tess_public, forged, named=crypto.read_public(homes["ann"].path), context=f"share {link}")
    )
    hub.as_("tess")
    with pytest.raises(HubError, match="1 of the messages") as err:
        client.collect(practice)
    assert err.value.results == []
    assert FORGED not in rejections(practice)


def test_a_share_sealed_by_another_client_of_the_same_therapist_is_refused_as_the_first(
    hub,  # noqa: F811
    homes,  # noqa: F811
):
    practice, ann_wb, _code = linked_pair(hub, homes)
    ann_link = ann_wb.meta("hub")["link"]
    ben_wb = ben_joins(hub, homes, practice)
    own = ben_wb.meta("hub")
    # ben writes into ann's workbook id
    ben_wb.set_meta("exchange_id", exchange.exchange_id(ann_wb))
    ben_wb.put("rejection", {"kind": "job or career", "description": FORGED})
    ben_wb.set_meta("hub", {**own, "link": ann_link})
    with pytest.raises(HubError, match="aren't linked"):  # the service won't carry it as ann's
        client.send(ben_wb, [1])
    ben_wb.set_meta("hub", own)
    client.send(ben_wb, [1])
    # ...but a service working with ben relabels his envelope as ann's, sealed bytes untouched
    [row] = hub.service.store.conn.execute("SELECT data FROM envelopes WHERE received_at IS NULL").fetchall()
    swap_data(hub, row["data"], link=ann_link, sender="ann")
    hub.as_("tess")
    with pytest.raises(HubError, match="couldn't be opened"):
        client.collect(practice)
    assert FORGED not in rejections(practice)
    # sealed by ben "for ann's invitation", naming ann's key as the sealer: still not ann's
    sealed = bytearray(
        crypto.seal(
            crypto.read_public(homes["tess"].path),
            exchange.share_file(ben_wb, [1]),
            sender=crypto.load_key(homes["ben"].path),
            context=f"share {ann_link}",
        )
    )
    sealed[1 + crypto.FP_LEN : 1 + 2 * crypto.FP_LEN] = crypto.fingerprint_bytes(
        crypto.read_public(homes["ann"].path)
    )
    hub.as_("ben")
    client.send(ben_wb, [1])
    swap_data(hub, bytes(sealed), link=ann_link, sender="ann")
    hub.as_("tess")
    with pytest.raises(HubError, match="couldn't be opened"):
        client.collect(practice)
    assert FORGED not in rejections(practice)


def test_notes_the_service_seals_as_the_therapist_are_refused(hub, homes, tmp_path):  # noqa: F811
    practice, wb, _code = linked_pair(hub, homes)
    link = wb.meta("hub")["link"]
    hub.as_("tess")
    with practice.open(practice.list()[0].slug) as copy:
        exchange.annotate(copy, 1, "Tess's real note")
        client.send_notes(copy)
    # forged notes for ann's workbook, sealed to ann's key "as tess"
    scratch = Home(tmp_path / "forger")
    with scratch.create("Ann") as fake:
        fake.set_meta("exchange_id", exchange.exchange_id(wb))
        exchange.annotate(fake, 1, FORGED)
        notes = exchange.return_notes(fake)
    ann_public = crypto.read_public(homes["ann"].path)
    tess_public = crypto.read_public(homes["tess"].path)
    swap_data(hub, forge(ann_public, notes, named=tess_public, context=f"notes {link}"))
    hub.as_("ann")
    with pytest.raises(HubError, match="1 of the messages"):
        client.receive(wb)
    assert [e["text"] for e in wb.entries("therapist_note")] == []


def test_notes_are_sealed_with_the_therapists_key_so_a_locked_one_needs_its_passphrase(hub, homes):  # noqa: F811
    practice, wb, _code = linked_pair(hub, homes, passphrase="tess's long passphrase")
    hub.as_("tess")
    with practice.open(practice.list()[0].slug) as copy:
        exchange.annotate(copy, 1, "A note")
        with pytest.raises(HubError, match="protected with a passphrase"):
            client.send_notes(copy)
        assert client.send_notes(copy, passphrase="tess's long passphrase") == 1
    hub.as_("ann")
    assert client.receive(wb)["added"] == 1


def _old_seal(public_key: bytes, plain: bytes) -> bytes:
    """An envelope as the app sealed them before they said who sealed them (version 1)."""
    from tests.test_hub_crypto import _old_seal as old

    return old(public_key, plain)


def test_an_envelope_from_the_earlier_version_is_refused_plainly_and_the_rest_come_in(hub, homes):  # noqa: F811
    practice, wb, _code = linked_pair(hub, homes)
    wb.put("rejection", {"kind": "job or career", "description": "Sent twice"})
    client.send(wb, [1])
    # waiting in the service from before the update: sealed the old way
    swap_data(hub, _old_seal(crypto.read_public(homes["tess"].path), exchange.share_file(wb, [1])))
    client.send(wb, [1])
    hub.as_("tess")
    with pytest.raises(HubError, match="earlier version of the workbook") as err:
        client.collect(practice)
    assert "1 of the messages" in str(err.value) and "sent again" in str(err.value)
    assert len(err.value.results) == 1 and rejections(practice) == ["Sent twice"]


def test_a_share_whose_invitation_the_service_wont_show_is_set_aside_and_the_rest_come_in(hub, homes):  # noqa: F811
    practice, ann_wb, _code = linked_pair(hub, homes)
    ben_wb = ben_joins(hub, homes, practice)
    ben_wb.put("rejection", {"kind": "job or career", "description": "Ben's words"})
    client.send(ben_wb, [1])
    hub.as_("ann")
    ann_wb.put("rejection", {"kind": "job or career", "description": "Ann's words"})
    client.send(ann_wb, [1])
    # the service no longer shows tess ann's invitation (so ann's key can't be checked)
    db = hub.service.store.conn
    db.execute(
        "UPDATE invitations SET therapist = 'someone-else' WHERE id = ?", (ann_wb.meta("hub")["link"],)
    )
    hub.as_("tess")
    with pytest.raises(HubError, match="1 of the messages") as err:
        client.collect(practice)
    assert [r.alias for r in err.value.results] == ["Ben"]
    assert rejections(practice) == ["Ben's words"]
