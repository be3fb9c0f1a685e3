"""The app's practice-server parts, driven in Python as a page would be, with the transport
(`workbook.transport.chosen()`) an in-memory stand-in that moves the same files
(tests/fake_transport.py)."""

from __future__ import annotations

import pytest

from workbook import exchange, transport
from workbook.frames import frame
from workbook.hub.wire import HubError
from workbook.stages import hubshare, practice, start
from workbook.store import Home

from .fake_transport import CODE, FakeExchange
from .hubcalls import exchange_on_loopback


@pytest.fixture
def fake():
    with transport.using(FakeExchange()) as found:
        yield found


@pytest.fixture
def homes(tmp_path, monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    return Home(tmp_path / "therapist"), Home(tmp_path / "client")


def _texts(widget) -> str:
    found = [getattr(widget, "value", "") if isinstance(getattr(widget, "value", ""), str) else ""]
    found += [_texts(child) for child in getattr(widget, "children", ())]
    return "\n".join(found)


def test_off_a_hub_the_pages_are_exactly_as_before(homes):
    therapist, client = homes
    with transport.using(transport.FILES):
        _off_a_hub(therapist, client)


def _off_a_hub(therapist, client):
    page = start.StartPage(home=client.path)
    assert not hasattr(page, "hub")
    assert "on this server" not in _texts(page.widget)
    desk = practice.Practice(home=therapist.path)
    assert not hasattr(desk, "hub") and "Invite a client" not in _texts(desk.widget)
    assert "Bring in a client&#x27;s share file" in _texts(desk.widget)  # file hand-over as it was


def test_on_a_hub_the_start_page_says_where_the_words_are_kept(homes, fake):
    _therapist, client = homes
    shown = _texts(start.StartPage(home=client.path).widget)
    assert "your own folder on this server" in shown
    assert "on this computer only" not in shown


def test_invite_join_send_collect_notes_and_back(homes, fake):
    therapist, client = homes
    desk = practice.Practice(home=therapist.path)
    desk.hub.key_button.click()
    assert "fp-1234" in desk.hub.key_status.value
    assert desk.hub.backup_box.layout.display is None  # the backup is offered at once

    desk.hub.invite_name.value = "Robin <i>"
    desk.hub.invite_button.click()
    shown = desk.hub.invite_out.value
    assert CODE in shown and "A B C D" in shown  # the code, and how to read it aloud
    assert "Robin &lt;i&gt;" in shown  # the therapist's words are escaped

    page = start.StartPage(home=client.path)
    page.hub.code.value = "WRONG-CODE"
    page.hub.join_button.click()
    assert "no invitation with that code" in page.hub.join_status.value
    page.hub.code.value = CODE
    page.hub.join_button.click()
    assert "linked with your therapist" in page.hub.join_status.value
    wb = page.page.wb
    wb.put("rejection", {"kind": "friend", "description": "We drifted apart"})
    wb.put("letter", {"text": "PRIVATE LETTER"})
    page.hub.stages[1].value = page.hub.stages[2].value = True
    page.hub.send_button.click()
    assert "Sent" in page.hub.send_status.value
    assert len(fake.shares) == 1

    desk.hub.inbox_button.click()
    assert "Robin" in desk.hub.inbox_status.value and "1 (Feel it), 2" in desk.hub.inbox_status.value
    review = _texts(desk.review_box)
    assert "We drifted apart" in review and "PRIVATE LETTER" not in review

    notes = [b for b in desk.review_box.children if "wb-hub-notes" in b._dom_classes]
    assert len(notes) == 1
    with desk.practice.open(desk.choose.value) as copy:
        exchange.annotate(copy, 1, "Lovely work on naming it.")
    notes[0].children[2].click()  # after the box for the key's passphrase (none here)
    assert "on their way" in notes[0].children[3].value

    page.hub.notes_button.click()
    assert "new note" in page.hub.notes_status.value
    assert list(frame(page.page.wb, "therapist_note")["text"]) == ["Lovely work on naming it."]


def test_sending_needs_a_linked_workbook_and_a_chosen_stage(homes, fake):
    _therapist, client = homes
    with client.create("Mine") as wb:
        client.set_current(wb.path.stem)
    page = start.StartPage(home=client.path)
    page.hub.stages[1].value = True
    page.hub.send_button.click()
    assert "linked to a therapist here yet" in page.hub.send_status.value
    assert fake.shares == []


def test_a_backup_needs_a_passphrase_typed_twice_and_restores(homes, fake):
    therapist, _client = homes
    desk = practice.Practice(home=therapist.path)
    desk.hub.key_button.click()
    box = desk.hub.backup_passphrase
    box.first.value, box.again.value = "one", "two"
    desk.hub.backup_button.click()
    assert "differ" in desk.hub.backup_out.value or "match" in desk.hub.backup_out.value
    box.first.value = box.again.value = "river stone"
    desk.hub.backup_button.click()
    assert "practice-key-backup.rwkey" in desk.hub.backup_out.value

    from tests.test_practice import upload

    upload(desk.hub.restore_upload, b"BACKUP:river stone", name="practice-key-backup.rwkey")
    desk.hub.restore_passphrase.value = "wrong"
    desk.hub.restore_button.click()
    assert "open this key" in desk.hub.restore_status.value
    upload(desk.hub.restore_upload, b"BACKUP:river stone", name="practice-key-backup.rwkey")
    desk.hub.restore_passphrase.value = "river stone"
    desk.hub.restore_button.click()
    assert "Your key is back" in desk.hub.restore_status.value


def test_an_inbox_with_a_refused_envelope_still_lists_what_came_in(homes, fake, monkeypatch):
    therapist, _client = homes
    desk = practice.Practice(home=therapist.path)

    def partly(practice_home, given=None, *, passphrase=None):
        raise HubError("1 of the messages in your inbox couldn't be opened.", results=[])

    monkeypatch.setattr(fake, "collect", partly)
    desk.hub.inbox_button.click()
    assert "be opened" in desk.hub.inbox_status.value


def test_the_code_is_read_aloud_one_character_at_a_time():
    assert hubshare.spoken("AB12-CD") == "A B 1 2 — C D"


def test_a_code_not_used_yet_can_be_withdrawn_and_a_used_one_can_not(homes, fake):
    therapist, client = homes
    desk = practice.Practice(home=therapist.path)
    assert "No codes are waiting" in _texts(desk.hub.open_list)
    desk.hub.key_button.click()
    for name in ("Robin", "Sam <b>"):
        desk.hub.invite_name.value = name
        desk.hub.invite_button.click()
    rows = desk.hub.open_list.children
    listed = [_texts(row) for row in rows]
    assert len(rows) == 2 and "Robin" in listed[0] and "Sam &lt;b&gt;" in listed[1]  # escaped
    assert "28 Nov 2026" in listed[0] and "12 Dec 2026" in listed[0]  # made, works until

    rows[1].children[1].click()  # Sam's "Withdraw"
    assert "The code for Sam &lt;b&gt; has been withdrawn" in desk.hub.withdraw_status.value
    assert [_texts(row) for row in desk.hub.open_list.children] == [listed[0]]
    assert fake.invitations[1]["withdrawn"] and not fake.invitations[0]["withdrawn"]

    # Robin uses the code before the (stale) button is pressed: it can't be withdrawn any more
    robin_button = desk.hub.open_list.children[0].children[1]
    page = start.StartPage(home=client.path)
    page.hub.code.value = CODE
    page.hub.join_button.click()
    robin_button.click()
    said = desk.hub.withdraw_status.value
    assert "already been used, so it can&#x27;t be withdrawn" in said and "wb-problem" in said
    assert "No codes are waiting" in _texts(desk.hub.open_list)


# -- issue 19, part 4: joining through the page, with the real client and service --------------
@pytest.fixture
def real_hub(tmp_path, monkeypatch):
    """The real exchange on loopback; `real_hub.as_(name)` makes the next presses that person's."""
    from workbook.hub.service import User

    people = {"t-tess": User("tess", True), "t-ann": User("ann", False)}
    with exchange_on_loopback(tmp_path / "service.sqlite", monkeypatch, people) as running:
        yield running


def test_a_swapped_therapist_key_is_caught_on_the_page_and_the_code_still_works(homes, real_hub):
    import re

    therapist, client = homes
    real_hub.as_("tess")
    desk = practice.Practice(home=therapist.path)
    desk.hub.key_button.click()
    desk.hub.invite_name.value = "Ann"
    desk.hub.invite_button.click()
    code = re.search(r"<code>([0-9A-Z-]+)</code>", desk.hub.invite_out.value).group(1)
    db = real_hub.service.store.conn
    real = db.execute("SELECT therapist_key FROM invitations").fetchone()[0]
    db.execute("UPDATE invitations SET therapist_key = ?", (bytes(range(1, 33)),))

    real_hub.as_("ann")
    page = start.StartPage(home=client.path)
    page.hub.code.value = code
    page.hub.join_button.click()
    assert "not the one in your code" in page.hub.join_status.value
    assert page.hub.code.value == code and client.list() == []  # kept to try again; nothing made

    real_hub.as_("tess")
    assert [i["name"] for i in desk.hub.show_open()] == ["Ann"]  # still waiting to be used

    db.execute("UPDATE invitations SET therapist_key = ?", (real,))
    real_hub.as_("ann")
    page.hub.join_button.click()
    assert "linked with your therapist" in page.hub.join_status.value
    assert len(client.list()) == 1


# -- issue 20, items 4 and 5: the practice page as a therapist meets it, the start page on a server
def _headings(widget) -> list[str]:
    import re

    return re.findall(r"<h2>([^<]*)</h2>", _texts(widget))


def _fields(widget) -> list[str]:
    """The names of the fields a person types in or picks from (text, passphrase, choice, file)."""
    import ipywidgets as w

    kinds = (w.Text, w.Textarea, w.Password, w.Dropdown, w.FileUpload)
    found = [widget.description] if isinstance(widget, kinds) else []
    for child in getattr(widget, "children", ()):
        found += _fields(child)
    return found


def test_on_a_server_the_practice_page_opens_on_clients_inbox_and_notes(homes, fake):
    therapist, _client = homes
    desk = practice.Practice(home=therapist.path)
    first = _headings(desk.widget)
    assert first[0] == "Your practice key"  # no key yet: that comes first, nothing works without it
    from workbook.hub import crypto

    crypto.save_key(therapist.path, crypto.new_private_key())  # once there is a key
    desk = practice.Practice(home=therapist.path)
    shown = _headings(desk.widget)
    assert shown[:3] == ["Your clients", "Inbox", "Review"], shown
    assert shown.index("Invite a client") < shown.index("Prepare a workbook for a client")
    assert "on this computer" not in _texts(desk.widget)  # the practice folder is on the server
    assert "in your own folder on this server" in _texts(desk.widget)


def test_every_field_on_the_practice_page_has_its_own_name(homes, fake):
    therapist, client = homes
    desk = practice.Practice(home=therapist.path)
    desk.hub.key_button.click()
    desk.hub.invite_name.value = "Robin"
    desk.hub.invite_button.click()
    page = start.StartPage(home=client.path)
    page.hub.code.value = CODE
    page.hub.join_button.click()
    page.page.wb.put("rejection", {"kind": "friend", "description": "We drifted apart"})
    page.hub.stages[1].value = True
    page.hub.send_button.click()
    desk.hub.inbox_button.click()  # Robin's copy is under review: its notes boxes are shown
    names = _fields(desk.widget)
    assert any("notes file" in n for n in names) and any("seal your notes for Robin" in n for n in names)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert "A new passphrase to lock the backup file" in names
    assert "The passphrase the backup file is locked with" in names  # restore: not the same name
    shown = _fields(page.widget)
    assert len(shown) == len(set(shown)), sorted(n for n in shown if shown.count(n) > 1)


def test_the_key_and_whether_it_is_backed_up_show_on_every_visit(homes, real_hub):
    therapist, _client = homes
    real_hub.as_("tess")
    desk = practice.Practice(home=therapist.path)
    assert "haven&#x27;t made your practice key" in desk.hub.key_state.value
    assert desk.hub.make_box.layout.display is None and desk.hub.backup_box.layout.display == "none"
    desk.hub.key_passphrase.value = "lantern"
    desk.hub.key_button.click()
    fingerprint = client_fingerprint(therapist)

    again = practice.Practice(home=therapist.path)  # the page opened again (a reload)
    state = again.hub.key_state.value
    assert (
        fingerprint in state and "locked with a passphrase" in state and "isn&#x27;t backed up yet" in state
    )
    assert again.hub.make_box.layout.display == "none"  # no "Make my key" over a key that exists
    assert again.hub.backup_box.layout.display is None  # the backup is offered
    box = again.hub.backup_passphrase
    box.first.value = box.again.value = "river stone"
    again.hub.backup_unlock.value = "lantern"
    again.hub.backup_button.click()
    assert "practice-key-backup.rwkey" in again.hub.backup_out.value
    assert "You made a backup of it on" in again.hub.key_state.value

    later = practice.Practice(home=therapist.path)
    assert fingerprint in later.hub.key_state.value and "You made a backup" in later.hub.key_state.value


def client_fingerprint(home):
    from workbook.hub import crypto

    return crypto.fingerprint(crypto.read_public(home.path))


def test_a_used_code_leaves_the_list_at_once(homes, fake):
    therapist, client = homes
    desk = practice.Practice(home=therapist.path)
    desk.hub.key_button.click()
    for name in ("Robin", "Sam"):
        desk.hub.invite_name.value = name
        desk.hub.invite_button.click()
    for invitation in fake.invitations:
        invitation["expires_at"] = "2999-01-01T00:00:00+00:00"
    fake.invitations[1]["client"] = "sam"  # Sam used their code, on their own device
    assert desk.hub.check_codes() == ["Sam"]  # what the page asks every few seconds while open
    listed = [_texts(row) for row in desk.hub.open_list.children]
    assert len(listed) == 1 and "Robin" in listed[0]
    assert "Sam has just used their code" in desk.hub.withdraw_status.value
    assert desk.hub.check_codes() == []  # nothing new: nothing redrawn
    assert hubshare.WATCH_SECONDS <= 5


def test_on_a_server_the_start_page_speaks_of_the_server_and_files_stay_as_an_extra(homes, fake):
    _therapist, client = homes
    with client.create("Mine") as wb:
        client.set_current(wb.path.stem)
    page = start.StartPage(home=client.path)
    shown = _texts(page.widget)
    assert "Nothing leaves this computer" not in shown and "on this computer" not in shown
    assert "You and your therapist, on this server" in shown
    assert "Files, if you&#x27;d rather hand them over yourself" in shown
    assert shown.index("You and your therapist, on this server") < shown.index("Files, if you")
    page.therapist.share.stages[1].value = True  # a share file can still be made (an export)
    page.therapist.share.button.click()
    assert ".rwshare" in page.therapist.share.working.text.value
    assert "wb-hub-practice-note" not in str(page.widget.children)  # a client: no practice note
    fake.me = {"name": "tess", "therapist": True}
    therapist_view = start.StartPage(home=client.path)
    [note] = [c for c in therapist_view.page.body if "wb-hub-practice-note" in c._dom_classes]
    assert "07_practice.ipynb" in note.value
    # off a server the file hand-over reads as it always did
    with transport.using(transport.FILES):
        assert "Nothing leaves this computer" in _texts(start.StartPage(home=client.path).widget)
