"""The transport seam: one set of verbs, by files or by the practice server, chosen in one place."""

from __future__ import annotations

import inspect

from workbook import transport
from workbook.store import Home, practice_home

from .fake_transport import FakeExchange

VERBS = ("deliver_start", "receive_start", "send_share", "collect", "send_notes", "receive_notes")


def test_off_a_hub_the_pages_send_by_files_and_a_stand_in_takes_its_place_only_inside_using(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    assert transport.chosen() is transport.FILES and not transport.FILES.by_server
    fake = FakeExchange()
    with transport.using(fake):
        assert transport.chosen() is fake
    assert transport.chosen() is transport.FILES


def test_the_stand_in_answers_every_verb_the_hub_backend_has_in_the_same_way():
    """The page tests' in-memory server can't drift from the real one: every method of `Hub`
    is there, taking the same arguments."""
    hub_methods = {
        n for n, _ in inspect.getmembers(transport.Hub, inspect.isfunction) if not n.startswith("_")
    }
    assert set(VERBS) <= hub_methods and "whoami" in hub_methods
    for name in hub_methods:
        real = inspect.signature(getattr(transport.Hub, name)).parameters
        fake = inspect.signature(getattr(FakeExchange, name)).parameters
        assert list(real) == list(fake), name
    for name in VERBS:
        files = inspect.signature(getattr(transport.Files, name)).parameters
        assert list(files) == list(inspect.signature(getattr(transport.Hub, name)).parameters), name


def test_by_files_the_whole_round_trip_offers_named_files_and_takes_them_back(tmp_path):
    therapist, client = Home(tmp_path / "therapist"), Home(tmp_path / "client")
    practice = practice_home(therapist)
    files = transport.FILES
    start = files.deliver_start(practice, "  Sam ", stages=[1, 2], welcome="Hello, Sam.")
    assert start.file_name.startswith("sam-start-") and start.file_name.endswith(".rwshare")
    assert start.slug == practice.list()[0].slug and not start.code
    wb = files.receive_start(client, start.data, name="Mine")
    assert wb.name == "Mine" and wb.meta("welcome_note") == "Hello, Sam."
    wb.put("rejection", {"kind": "friend", "description": "We drifted apart"})
    share = files.send_share(wb, [1], passphrase="lantern")
    assert share.file_name.startswith("mine-share-")
    [result] = files.collect(practice, share.data, passphrase="lantern")
    assert result.slug == start.slug and result.stages == [1] and result.added >= 1
    with practice.open(result.slug) as copy:
        copy.put("therapist_note", {"stage": 1, "text": "Well named."}, author="therapist")
        notes = files.send_notes(copy)
    assert notes.file_name.startswith("sam-notes-")
    assert files.receive_notes(wb, notes.data)["added"] == 1
    assert [e["text"] for e in wb.entries("therapist_note")] == ["Well named."]
