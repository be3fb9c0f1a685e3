"""A therapist reads what a client shared, inside the app, from the practice page.

`rejection-workbook serve` on a therapist's home whose practice folder holds a client copy
brought in from a share file (the file round trip of tests/test_practice.py, made in
Python). Each review link on the practice page opens that stage of the client's copy in
the one-page app, read-only, with the client's own words on it. (Issue 20, item 1: every
one of these links said "This page could not be opened just now".)
"""

from __future__ import annotations

import pytest

from workbook import exchange, registry
from workbook.store import Home

from .helpers import ARTIFACTS, SHOWN_WORDS, axe_problems, here, open_ready, screenshot, wait_for_stage

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"

# What the client wrote on each stage, and the link's words on the practice page
CLIENT_WORDS = {
    "feel": ("Feel it", "rejection", {"kind": "friend", "description": "We stopped talking in May. " + XSS}),
    "reason": ("Look at the reason", "reason", {"status": "unknown", "text": "Maybe I was distant."}),
    "grow": ("Decide and grow", "path_choice", {"path": "grow", "note": "I want to listen better."}),
    "heal": ("Heal", "quality", {"text": "I keep my promises."}),
    "support": ("Support", "support_plan", {"option": "Talk to my sister on Sundays."}),
}


def _words(data: dict) -> str:
    return data.get("description") or data.get("text") or data.get("note") or data["option"]


@pytest.fixture
def practice_folder(tmp_path):
    """A therapist's home with one client copy, brought in from the client's share file."""
    client, therapist = Home(tmp_path / "client"), Home(tmp_path / "therapist")
    client.ensure()
    therapist.ensure()
    with client.create("Jo's own name") as wb:
        for _label, kind, data in CLIENT_WORDS.values():
            wb.put(kind, data)
        shared = exchange.share_file(wb, registry.method_numbers())
    with therapist.create("My own notes"):  # the therapist's own workbook, the current one
        pass
    result = exchange.import_share(exchange.practice_home(therapist), shared)
    return therapist, result.slug


def _review(tab, app) -> None:
    open_ready(tab, app.url("07_practice.ipynb"))
    tab.get_by_role("button", name="Review this client").click()
    tab.locator(".wb-review-stage").first.wait_for(timeout=30_000)


def test_each_shared_stage_opens_read_only_in_the_app_from_the_practice_page(
    start_app, page, practice_folder
):
    home, slug = practice_folder
    app = start_app(home.path)
    for key, (label, _kind, data) in CLIENT_WORDS.items():
        _review(page, app)
        page.locator(".wb-review-box, .wb-section").get_by_role("link", name=label, exact=True).first.click()
        wait_for_stage(page, key)
        assert f"client={slug}" in page.url and "app.ipynb" in page.url
        shown = here(page)
        text = shown.evaluate(SHOWN_WORDS)  # what is written, in the page and in its text boxes
        assert "could not be opened" not in text
        assert "read-only" in text
        assert "Reading the workbook" in text and "Writing to" not in text  # nothing is written here
        assert _words(data) in text
        assert page.locator("img[src=x]").count() == 0  # the client's words are text, never markup
        assert shown.locator("textarea:enabled, input:enabled, select:enabled, button:enabled").count() == 0
        faded = shown.locator("textarea").first.evaluate("e => getComputedStyle(e).opacity")
        assert faded == "1"  # the client's words are there to be read, not greyed out
        assert "My own notes" not in text  # the therapist's own workbook stays out of it
        if key == "reason":
            chosen = shown.locator("label:has(> input:checked)").first
            assert chosen.inner_text() == "No, I don't know why"  # the client's answer, in bold
            assert chosen.evaluate("e => getComputedStyle(e).fontWeight") == "600"
            screenshot(page, "practice-in-app-reason")
            assert axe_problems(page) == []
    # inside the app, its own links keep to the client's copy: back to Stage 1 without a reload
    here(page).get_by_role("link", name="Feel it", exact=True).first.click()
    wait_for_stage(page, "feel")
    assert f"client={slug}" in page.url
    text = here(page).evaluate(SHOWN_WORDS)
    assert "read-only" in text and _words(CLIENT_WORDS["feel"][2]) in text
    assert page.errors == []


def test_a_draft_on_stage_2_is_named_before_the_share_file_is_made(app, page):
    """Issue 20, item 2, as a client meets it in the app: words typed before answering
    "Was I told why?" are a draft; the share button names Stage 2 and makes nothing, and once
    the question is answered the words go with the rest."""
    import base64

    slug = app.new_workbook("Before the answer")
    with app.home.open(slug) as wb:
        wb.put("rejection", {"kind": "friend", "description": "We stopped talking."})
    open_ready(page, app.app_url("reason", slug))
    wait_for_stage(page, "reason")
    here(page).get_by_label("What was said, or what I believe the reason is").fill("DRAFT: my age, I think.")
    here(page).get_by_text("Your words are kept here as a draft").wait_for(timeout=30_000)

    def make_share_file():
        here(page).get_by_role("link", name="Start here").click()
        wait_for_stage(page, "start")
        start = here(page)
        start.get_by_label("1. Feel it").check()
        start.get_by_label("2. Look at the reason").check()
        start.get_by_role("button", name="Make the share file").click()
        return start

    start = make_share_file()
    start.get_by_text("Stage 2 (Look at the reason) has writing that isn't saved yet").wait_for(
        timeout=30_000
    )
    assert start.locator("a.wb-download").count() == 0  # nothing left
    screenshot(page, "draft-named-before-sharing")
    ARTIFACTS.mkdir(exist_ok=True)
    start.locator(".wb-share-box").screenshot(path=str(ARTIFACTS / "draft-named-before-sharing-box.png"))

    here(page).get_by_role("link", name="Look at the reason").first.click()
    wait_for_stage(page, "reason")
    here(page).get_by_label("No, I don't know why").check()
    here(page).get_by_text("Saved").first.wait_for(timeout=30_000)
    start = make_share_file()
    link = start.locator("a.wb-download").first
    link.wait_for(timeout=30_000)
    data = base64.b64decode(link.get_attribute("href").split("base64,", 1)[1])
    therapist = Home(app.home.path.parent / "therapist-of-draft")
    result = exchange.import_share(exchange.practice_home(therapist), data)
    with exchange.practice_home(therapist).open(result.slug) as copy:
        assert copy.single("reason").data["text"] == "DRAFT: my age, I think."
    assert page.errors == []
