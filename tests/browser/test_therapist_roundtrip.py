"""The therapist/client round-trip in the real app: two servers, two homes, files between them."""

from __future__ import annotations

import base64

import pytest

from workbook.store import Home

from .helpers import axe_problems, open_ready, screenshot, settled

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def link_bytes(page, name_part: str) -> bytes:
    link = page.locator(f"a.wb-download[download*='{name_part}']").last
    link.wait_for(timeout=30_000)
    href = link.get_attribute("href")
    return base64.b64decode(href.split("base64,", 1)[1])


def choose_file(tab, upload, path) -> None:
    """FileUpload keeps its <input type=file> out of the page: answer the file chooser instead."""
    with tab.expect_file_chooser() as chooser:
        upload.click()
    chooser.value.set_files(str(path))


def test_client_shares_two_stages_therapist_notes_come_back(start_app, page, tmp_path):
    client_home, therapist_home = tmp_path / "client", tmp_path / "therapist"
    client_app = start_app(client_home, standby=0)  # single pages only
    therapist_app = start_app(therapist_home, standby=0)
    with Home(client_home).create("Jo") as wb:
        slug = wb.path.stem
        wb.put("rejection", {"kind": "friend", "description": "We stopped talking. " + XSS})
        wb.put("reason", {"status": "unknown", "text": "Maybe I was distant."})
        wb.put("quality", {"text": "STAGE-FOUR-ONLY"})
        wb.put("letter", {"text": "A PRIVATE LETTER"})
        wb.put("support_plan", {"option": "STAGE-FIVE-ONLY"})

    # the client shares stages 1 and 2 of five
    open_ready(page, client_app.url("00_start.ipynb", slug))
    page.get_by_label("1. Feel it").check()
    page.get_by_label("2. Look at the reason").check()
    page.get_by_role("button", name="Make the share file").click()
    shared = link_bytes(page, "-share-")
    screenshot(page, "roundtrip-client-share")
    share_file = tmp_path / "jo-share.rwshare"
    share_file.write_bytes(shared)

    # the therapist brings it in and sees exactly those two stages
    therapist = page.context.new_page()
    open_ready(therapist, therapist_app.url("07_practice.ipynb"))
    choose_file(therapist, therapist.locator(".wb-upload").first, share_file)
    therapist.get_by_role("button", name="Bring it in").click()
    therapist.get_by_text("Brought in Jo").wait_for(timeout=30_000)
    review = therapist.locator(".wb-review-stage")
    review.nth(2).wait_for()
    assert review.count() == 3  # notes on the whole workbook, then the two shared stages
    text = " ".join(review.all_inner_texts())
    assert "We stopped talking." in text and XSS in text and "Maybe I was distant." in text
    body = therapist.locator("body").inner_text()
    for private in ("STAGE-FOUR-ONLY", "A PRIVATE LETTER", "STAGE-FIVE-ONLY"):
        assert private not in body
    assert therapist.locator("img[src=x]").count() == 0
    assert axe_problems(therapist) == []

    # writes a note on Stage 1 and makes the notes file
    therapist.get_by_label("Your note for Jo on Feel it").fill("It took courage to write this down.")
    therapist.locator(".wb-review").nth(1).get_by_role("button", name="Add the note").click()
    therapist.get_by_text("Saved your note").wait_for(timeout=30_000)
    therapist.locator(".wb-review-stage", has_text="It took courage").wait_for()  # the review is redrawn
    settled(therapist)
    therapist.get_by_role("button", name="Make the notes file").click()
    notes = link_bytes(therapist, "-notes-")
    screenshot(therapist, "roundtrip-practice")
    notes_file = tmp_path / "jo-notes.rwshare"
    notes_file.write_bytes(notes)

    # the read-only client view leaves out what was not shared
    open_ready(therapist, therapist_app.url("04_heal.ipynb").replace("?", "?client=jo&", 1))
    therapist.get_by_text("Jo has not shared this stage.").wait_for()
    assert "STAGE-FOUR-ONLY" not in therapist.locator("body").inner_text()

    # the client opens the notes and reads them beside their entries
    open_ready(page, client_app.url("00_start.ipynb", slug))
    choose_file(page, page.locator(".wb-upload").nth(1), notes_file)
    page.get_by_role("button", name="Open the notes").click()
    page.get_by_text("Added 1 note or question from your therapist").wait_for(timeout=30_000)
    open_ready(page, client_app.url("01_feel.ipynb", slug))
    page.get_by_text("It took courage to write this down.").wait_for()
    screenshot(page, "roundtrip-client-notes")
