"""The practice page and the client's sharing section, driven in Python as a page would be."""

from __future__ import annotations

import base64
import re

import pytest

from workbook import exchange
from workbook.share import NeedsPassphrase
from workbook.stages import feel, practice, start


def upload(widget, data: bytes, name: str = "file.rwshare") -> None:
    widget.value = (
        {
            "name": name,
            "type": "",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": __import__("datetime").datetime.now(__import__("datetime").UTC),
        },
    )


def link_bytes(html_value: str, suffix: str = ".rwshare") -> bytes:
    found = re.search(
        r'download="[^"]*' + re.escape(suffix) + r'" href="data:[^;]+;base64,([^"]+)"', html_value
    )
    assert found, html_value
    return base64.b64decode(found.group(1))


@pytest.fixture
def client_page(wb):
    wb.put("rejection", {"kind": "friend", "description": "We drifted <b>apart</b>"})
    wb.put("reason", {"status": "unknown", "text": "Not sure why"})
    wb.put("letter", {"text": "PRIVATE LETTER"})
    return start.StartPage()


def test_client_shares_two_stages_therapist_sees_exactly_those(home, client_page):
    box = client_page.therapist.share
    box.stages[1].value = box.stages[2].value = True
    box.button.click()
    data = link_bytes(box.working.text.value)

    page = practice.Practice()
    upload(page.upload, data)
    page.import_button.click()
    assert "Brought in" in page.import_status.value  # beside the button that was pressed
    assert page.page.status.value == ""
    assert "1, 2" in page.clients_html.value
    review = _texts(page.review_box)
    assert "We drifted &lt;b&gt;apart&lt;/b&gt;" in review and "Not sure why" in review
    assert "PRIVATE LETTER" not in review


def test_note_goes_back_through_the_file_to_the_start_page(home, client_page):
    box = client_page.therapist.share
    box.stages[2].value = True
    box.button.click()
    page = practice.Practice()
    upload(page.upload, link_bytes(box.working.text.value))
    page.import_button.click()
    # a note on the whole workbook, the first note box of the review
    note = next(c for c in _walk(page.review_box) if getattr(c, "description", "").startswith("Your note"))
    assert note.description == "Your note for Test on the whole workbook"
    note.value = "Thank you for looking at this so honestly."
    next(c for c in _walk(page.review_box) if getattr(c, "description", "") == "Add the note").click()
    # "saved" shows beside the button that was pressed, not at the page's foot
    assert page.page.status.value == ""
    assert "Saved your note" in page._note_status[(page.choose.value, 0)].value
    assert page._note_status[(page.choose.value, 0)] in list(_walk(page.review_box))
    assert "Thank you for looking" in _texts(page.review_box)  # the review shows it at once
    make = next(c for c in _walk(page.review_box) if getattr(c, "description", "") == "Make the notes file")
    make.click()
    out = [c for c in _walk(page.review_box) if "notes file" in _texts(c)][-1]
    notes = link_bytes(out.value)

    section = client_page.therapist
    upload(section.return_upload, notes)
    section.return_button.click()
    assert "Added 1 note or question from your therapist" in section.return_status.value  # not "1 notes"
    assert "Thank you for looking at this so honestly." in client_page.note.value  # on the start page
    assert [e["text"] for e in client_page.page.wb.entries("therapist_note")] == [
        "Thank you for looking at this so honestly."
    ]


def test_a_bad_file_on_the_practice_page_is_a_calm_message(home):
    page = practice.Practice()
    upload(page.upload, b"not a share file")
    page.import_button.click()
    assert "begin the way a workbook file does" in page.import_status.value
    assert not exchange.practice_home(home).path.exists()


def test_prepare_gives_a_start_file_the_start_page_can_open(home):
    page = practice.Practice()
    page.alias.value = "Sam"
    page.welcome.value = "Hello Sam"
    page.prompts[1].value = "What do you miss most?"
    page.prepare_button.click()
    data = link_bytes(page.prepared.value)
    first = start.StartPage()
    upload(first.therapist.start_upload, data)
    first.therapist.start_button.click()
    assert "Hello Sam" in first.note.value
    assert first.page.wb.entries("therapist_prompt")[0]["text"] == "What do you miss most?"


def test_client_pages_are_read_only_and_show_shared_stages_only(home, client_page, monkeypatch):
    wb = client_page.page.wb
    result = exchange.import_share(exchange.practice_home(home), exchange.share_file(wb, [1]))
    monkeypatch.setenv("QUERY_STRING", f"client={result.slug}")
    widget = feel.show()
    assert "read-only" in _texts(widget)
    assert f"Reading the workbook <strong>{wb.name}</strong>" in _texts(widget)
    assert "Writing to" not in _texts(widget)  # nothing is written from here
    inputs = [c for c in _walk(widget) if "disabled" in c.trait_names() and c.__class__.__name__ != "HTML"]
    assert inputs and all(c.disabled for c in inputs)
    with exchange.practice_home(home).open(result.slug) as copy:
        before = len(copy.history())
    from workbook.stages.kit import open_session

    session = open_session()
    with pytest.raises(Exception, match="read-only"):
        session.workbook.put("quality", {"text": "sneaky"})
    with exchange.practice_home(home).open(result.slug) as copy:
        assert len(copy.history()) == before
    from workbook.stages import heal

    heal_widget = heal.show()
    assert "has not shared this stage" in _texts(heal_widget)


def test_a_bad_client_link_opens_nothing(home, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "client=../../etc")
    from workbook.stages.kit import open_session

    session = open_session()
    assert session.workbook is None
    assert session.problem == "That link does not point to a workbook on this computer."


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _texts(widget) -> str:
    return " ".join(c.value for c in _walk(widget) if isinstance(getattr(c, "value", None), str))


def test_a_passphrase_for_a_file_is_typed_twice_in_the_app_as_on_the_command_line(home, client_page):
    box = client_page.therapist.share
    box.stages[2].value = True
    box.passphrase.first.value = "river stone"
    box.passphrase.again.value = "river stome"
    box.button.click()
    assert "two passphrases are different" in box.working.text.value  # beside the button
    assert "wb-download" not in box.working.text.value
    box.passphrase.again.value = "river stone"
    box.button.click()
    data = link_bytes(box.working.text.value)
    with pytest.raises(NeedsPassphrase):
        exchange.import_share(exchange.practice_home(home), data)
    assert exchange.import_share(exchange.practice_home(home), data, passphrase="river stone").added


@pytest.mark.parametrize("module", ["feel", "reason", "grow", "heal", "support", "journey"])
def test_each_shared_stage_opens_read_only_as_a_page_of_its_own(home, client_page, monkeypatch, module):
    import importlib

    from workbook import registry

    wb = client_page.page.wb
    wb.put("quality", {"text": "WORDS-OF-HEAL"})
    wb.put("support_plan", {"option": "WORDS-OF-SUPPORT"})
    wb.put("path_choice", {"path": "grow", "note": "WORDS-OF-GROW"})
    shared = exchange.share_file(wb, registry.method_numbers())
    result = exchange.import_share(exchange.practice_home(home), shared)
    monkeypatch.setenv("QUERY_STRING", f"client={result.slug}")
    widget = importlib.import_module(f"workbook.stages.{module}").show()
    text = _texts(widget)
    assert "read-only" in text and "could not be opened" not in text
    expected = {"feel": "We drifted", "reason": "Not sure why", "grow": "WORDS-OF-GROW"}
    expected |= {"heal": "WORDS-OF-HEAL", "support": "WORDS-OF-SUPPORT"}
    if module in expected:
        assert expected[module] in text
    inputs = [c for c in _walk(widget) if "disabled" in c.trait_names() and c.__class__.__name__ != "HTML"]
    assert all(c.disabled for c in inputs)


def _members(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_what_the_therapist_calls_a_client_stays_the_therapists(home):
    page = practice.Practice()
    assert "only you see it" in page.alias.description
    page.alias.value = "Sam from Tuesdays"
    page.welcome.value = "Hello, and welcome."
    page.prepare_button.click()
    data = link_bytes(page.prepared.value)
    assert "Sam from Tuesdays" not in _members(data)  # not even in the file's header

    first = start.StartPage()
    upload(first.therapist.start_upload, data)
    first.therapist.start_button.click()
    wb = first.page.wb
    assert wb.name == "My workbook"
    assert "Writing to the workbook <strong>My workbook</strong>" in first.page.header.value
    assert "Sam" not in first.page.header.value + first.therapist.start_status.value
    assert "Sam" not in str([wb.meta(k) for k in ("alias", "welcome_note")])

    # the client's share comes back to the therapist's copy, which keeps the therapist's name
    wb.put("rejection", {"kind": "friend", "description": "We drifted"})
    result = exchange.import_share(exchange.practice_home(home), exchange.share_file(wb, [1]))
    assert result.alias == "Sam from Tuesdays" and not result.new_client
    with exchange.practice_home(home).open(result.slug) as copy:
        exchange.annotate(copy, 1, "Well written.")
        notes = exchange.return_notes(copy)
    assert "Sam from Tuesdays" not in _members(notes)
    assert exchange.open_return(wb, notes)["added"] == 1


def test_a_client_names_their_own_workbook_from_a_start_file(home):
    page = practice.Practice()
    page.alias.value = "S."
    page.prepare_button.click()
    first = start.StartPage()
    upload(first.therapist.start_upload, link_bytes(page.prepared.value))
    first.therapist.start_name.value = "Mine, after the move"
    first.therapist.start_button.click()
    assert first.page.wb.name == "Mine, after the move"


def test_a_spanish_client_gets_a_workbook_named_in_spanish(home):
    from workbook import content

    practice_home = exchange.practice_home(home)
    _slug, data = exchange.prepare(practice_home, "Sam")
    content.set_language("es")
    with exchange.start_from(home, data) as wb:
        assert wb.name == "Mi cuaderno"
