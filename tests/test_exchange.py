"""The round-trip verbs: prepare, start from, share, import, annotate, return, open the notes."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook import cli, exchange, share
from workbook.errors import InvalidEntry
from workbook.share import ShareError
from workbook.store import Home


@pytest.fixture
def therapist(tmp_path):
    return Home(tmp_path / "therapist")


def full_round_trip(home, therapist):
    practice = exchange.practice_home(therapist)
    slug, start = exchange.prepare(
        practice,
        "Alex",
        welcome_note="Welcome, Alex. Take your time.",
        stages_on=[1, 2, 4],
        prompts={2: ["What felt unfair?"], 4: ["What would a friend say?", ""]},
    )
    client = exchange.start_from(home, start)
    return practice, slug, client


def test_prepare_then_start_from_carries_note_stages_and_prompts(home, therapist):
    practice, slug, client = full_round_trip(home, therapist)
    assert client.meta("welcome_note") == "Welcome, Alex. Take your time."
    assert client.meta("stages_on") == [1, 2, 4]
    prompts = sorted((e["stage"], e["text"]) for e in client.entries("therapist_prompt"))
    assert prompts == [(2, "What felt unfair?"), (4, "What would a friend say?")]
    assert all(e.author == "therapist" for e in client.entries("therapist_prompt"))
    with practice.open(slug) as copy:
        assert exchange.exchange_id(copy) == exchange.exchange_id(client)
    with pytest.raises(ShareError, match="already started a workbook from this file"):
        exchange.start_from(home, exchange.start_file(practice.open(slug)))


def test_share_carries_the_chosen_stages_and_nothing_else(home, therapist):
    practice, slug, client = full_round_trip(home, therapist)
    client.put("rejection", {"kind": "friend", "description": "She stopped calling."})
    client.put("reason", {"status": "unknown", "text": "I think I was too busy."})
    client.put("quality", {"text": "I am loyal"})
    client.put("support_plan", {"option": "a support group"})
    client.put("checkin", {"ratings": {"sadness": 6}, "stage": 4})
    prompt = [e for e in client.entries("therapist_prompt") if e["stage"] == 2][0]
    client.put("prompt_answer", {"prompt_id": prompt.entry_id, "text": "That she never said why."})
    removed = client.put("case_point", {"side": "for", "text": "private draft"})
    client.delete(removed.entry_id)

    result = exchange.import_share(practice, exchange.share_file(client, [1, 2]))
    assert result.slug == slug and result.stages == [1, 2] and not result.new_client
    with practice.open(slug) as copy:
        kinds = {e.kind for e in copy.entries()}
        texts = " ".join(str(e.data) for e in copy.entries())
    assert {"rejection", "reason", "prompt_answer"} <= kinds
    assert "quality" not in kinds and "support_plan" not in kinds
    assert "I am loyal" not in texts and "support group" not in texts and "sadness" not in texts
    assert "private draft" not in texts


def test_importing_again_adds_only_what_is_new_and_loses_nothing(home, therapist):
    practice, slug, client = full_round_trip(home, therapist)
    entry = client.put("reason", {"status": "known", "text": "first"})
    exchange.import_share(practice, exchange.share_file(client, [2]))
    client.put("reason", {"status": "known", "text": "second"}, entry_id=entry.entry_id)
    again = exchange.import_share(practice, exchange.share_file(client, [2]))
    assert again.added == 1 and again.known >= 1
    twice = exchange.import_share(practice, exchange.share_file(client, [2]))
    assert twice.added == 0
    with practice.open(slug) as copy:
        assert [r.data["text"] for r in copy.history(entry.entry_id)] == ["first", "second"]
        assert copy.get(entry.entry_id)["text"] == "second"


def test_a_share_without_a_start_file_makes_a_new_client(home, therapist):
    wb = home.create("Just me")
    wb.put("quality", {"text": "patient"})
    practice = exchange.practice_home(therapist)
    first = exchange.import_share(practice, exchange.share_file(wb, [4]))
    assert first.new_client and first.alias == "Just me"
    assert exchange.import_share(practice, exchange.share_file(wb, [4])).slug == first.slug
    assert [c.alias for c in exchange.clients(practice)] == ["Just me"]


def test_notes_go_back_and_appear_for_the_client(home, therapist):
    practice, slug, client = full_round_trip(home, therapist)
    client.put("reason", {"status": "unknown", "text": "no idea"})
    exchange.import_share(practice, exchange.share_file(client, [2]))
    with practice.open(slug) as copy:
        exchange.annotate(copy, 2, "You were honest with yourself here.")
        exchange.add_prompt(copy, 3, "What small step feels possible?")
        notes = exchange.return_notes(copy, passphrase="shared secret")
    counts = exchange.open_return(client, notes, passphrase="shared secret")
    assert counts["added"] == 2
    assert [e["text"] for e in client.entries("therapist_note")] == ["You were honest with yourself here."]
    assert "What small step feels possible?" in [e["text"] for e in client.entries("therapist_prompt")]
    assert exchange.open_return(client, notes, passphrase="shared secret")["added"] == 0
    summary = exchange.clients(practice)[0]
    assert summary.notes == 1 and summary.shared_stages == [2] and summary.last_activity


def test_notes_for_another_workbook_are_refused(home, therapist):
    practice, slug, client = full_round_trip(home, therapist)
    other = home.create("Another")
    with practice.open(slug) as copy:
        exchange.annotate(copy, 1, "hi")
        notes = exchange.return_notes(copy)
    with pytest.raises(ShareError, match="written for another workbook"):
        exchange.open_return(other, notes)
    assert other.entries() == []


def test_choosing_no_stage_is_a_calm_message(home):
    wb = home.create("Empty")
    with pytest.raises(InvalidEntry, match="at least one stage"):
        exchange.share_file(wb, [])


def test_saved_files_are_readable_by_their_owner_only(tmp_path):
    path = exchange.save_file(b"data", tmp_path / "x.rwshare")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# -- merge without loss, for any interleaving -------------------------------------------------
EDIT = st.tuples(
    st.sampled_from(["client", "therapist"]), st.sampled_from(["new", "edit", "delete"]), st.integers(0, 5)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT, min_size=1, max_size=25), order=st.permutations(range(4)))
def test_merge_keeps_every_version_whatever_the_order(tmp_path_factory, edits, order):
    base = tmp_path_factory.mktemp("merge")
    client = Home(base / "c").create("Client")
    practice = exchange.practice_home(Home(base / "t"))
    first = client.put("quality", {"text": "first"})
    exchange.import_share(practice, exchange.share_file(client, [4], include_removed=True))
    copy = practice.open(practice.list()[0].slug)
    sides = {"client": client, "therapist": copy}
    files = []
    for n, (who, action, pick) in enumerate(edits):
        wb = sides[who]
        current = wb.entries("quality", include_deleted=True)
        target = current[pick % len(current)] if current else None
        if action == "new" or target is None:
            wb.put("quality", {"text": f"{who} {n}"})
        elif action == "edit":
            wb.put("quality", {"text": f"{who} edit {n}"}, entry_id=target.entry_id)
        elif not target.deleted:
            wb.delete(target.entry_id)
        if n % 3 == 0:  # a file made part-way through
            files.append(("to_therapist", exchange.share_file(client, [4], include_removed=True)))
    files.append(("to_therapist", exchange.share_file(client, [4], include_removed=True)))
    # the therapist's own edits go back in a file carrying every version (a share from the copy)
    files.append(
        (
            "to_client",
            share.write(
                "share",
                exchange_id=exchange.exchange_id(copy),
                name="x",
                stages=[4],
                revisions=copy.history(),
            ),
        )
    )
    everything = {r.rev_id for r in client.history()} | {r.rev_id for r in copy.history()}
    for index in order:
        if index < len(files):
            direction, data = files[index]
            bundle = share.read(data)
            (copy if direction == "to_therapist" else client).apply_revisions(bundle.revisions)
    for direction, data in files:  # and everything, in the end
        (copy if direction == "to_therapist" else client).apply_revisions(share.read(data).revisions)
    for wb in (client, copy):
        assert {r.rev_id for r in wb.history()} == everything
        latest = {}
        for r in wb.history():
            latest[r.entry_id] = r
        for entry in wb.entries("quality", include_deleted=True):
            assert entry.rev_id == latest[entry.entry_id].rev_id
    assert client.entries("quality", include_deleted=True) == copy.entries("quality", include_deleted=True)
    assert first.entry_id in {e.entry_id for e in client.entries("quality", include_deleted=True)}
    client.close()
    copy.close()


# -- the CLI ------------------------------------------------------------------------------------
def test_the_whole_round_trip_from_the_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("REJECTION_WORKBOOK_PASSPHRASE", raising=False)
    t_home, c_home = str(tmp_path / "t"), str(tmp_path / "c")
    start, shared, notes = tmp_path / "start.rwshare", tmp_path / "share.rwshare", tmp_path / "notes.rwshare"
    run = lambda *args: cli.main(list(args))  # noqa: E731
    assert (
        run(
            "prepare",
            "Robin",
            "--home",
            t_home,
            "--welcome",
            "Hello",
            "--prompt",
            "2:Why?",
            "--out",
            str(start),
        )
        == 0
    )
    assert run("start-from", str(start), "--home", c_home, "--name", "My book") == 0
    with Home(c_home).open(Home(c_home).find("My book").slug) as wb:
        wb.put("reason", {"status": "unknown", "text": "not sure"})
    monkeypatch.setenv("REJECTION_WORKBOOK_PASSPHRASE", "pw")
    assert run("share", "My book", "--home", c_home, "--stages", "2", "--out", str(shared)) == 0
    assert run("import", str(shared), "--home", t_home) == 0
    assert run("annotate", "Robin", "2", "Good start.", "--home", t_home) == 0
    assert run("return", "Robin", "--home", t_home, "--out", str(notes)) == 0
    assert run("open-return", "My book", str(notes), "--home", c_home) == 0
    assert run("report", "Robin", "--client", "--home", t_home, "--out", str(tmp_path / "r.html")) == 0
    assert run("report", "Robin", "--client", "--home", t_home, "--out", str(tmp_path / "r.pdf")) == 0
    assert run("clients", "--home", t_home) == 0
    out = capsys.readouterr().out
    assert "Robin" in out and "shared 2" in out
    assert "not sure" in (tmp_path / "r.html").read_text()
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    with Home(c_home).open(Home(c_home).find("My book").slug) as wb:
        assert [e["text"] for e in wb.entries("therapist_note")] == ["Good start."]
    monkeypatch.setenv("REJECTION_WORKBOOK_PASSPHRASE", "wrong")
    assert run("import", str(shared), "--home", t_home) == 2
    assert "passphrase doesn't open" in capsys.readouterr().err


def test_a_protected_file_asks_for_its_passphrase_when_none_was_given(tmp_path, monkeypatch, capsys, wb):
    import getpass
    import sys

    monkeypatch.delenv("REJECTION_WORKBOOK_PASSPHRASE", raising=False)
    wb.put("reason", {"status": "unknown", "text": "not sure"})
    shared = tmp_path / "share.rwshare"
    shared.write_bytes(exchange.share_file(wb, [2], passphrase="pw"))
    t_home = str(tmp_path / "t")
    # no terminal to ask on: it says how to give the passphrase
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    assert cli.main(["import", str(shared), "--home", t_home]) == 2
    assert "--passphrase" in capsys.readouterr().err
    # at a terminal it asks, once, and the file opens
    asked = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": asked.append(prompt) or "pw")
    assert cli.main(["import", str(shared), "--home", t_home]) == 0
    assert len(asked) == 1 and "passphrase" in asked[0]
    assert "Brought in" in capsys.readouterr().out
