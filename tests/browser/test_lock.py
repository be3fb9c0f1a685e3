"""The lock in the app as a person uses it: lock a workbook on the start page, come back
(reload), be asked for the passphrase, type a wrong one then the right one, and see their words."""

from __future__ import annotations

import zipfile

import pytest

from workbook import cipher

from .helpers import SHOWN_WORDS, axe_problems, here, open_ready, screenshot, wait_for_stage

pytestmark = pytest.mark.browser

WORDS = "WORDS-BEHIND-THE-LOCK we drifted apart"
PASSPHRASE = "a long quiet walk by the river"


def test_lock_in_the_app_reload_is_asked_and_a_wrong_then_the_right_passphrase_opens_it(
    start_app, tmp_path, new_tab
):
    app = start_app(tmp_path / "home")
    with app.home.create("After the party") as wb:
        wb.put("rejection", {"kind": "friend", "description": WORDS})
        slug = wb.path.stem
    app.home.set_current(slug)
    tab = new_tab(viewport={"width": 1280, "height": 900})
    open_ready(tab, app.app_url("start"))
    wait_for_stage(tab, "start")
    page = here(tab).locator(".wb-lock")  # the start page's lock section
    page.get_by_role("button", name="Save an export first").click()
    with tab.expect_download() as download:  # a plain copy to keep, before the lock
        page.get_by_role("link", name="download the export").click()
    assert zipfile.ZipFile(download.value.path()).namelist()
    page.get_by_label("New passphrase for the lock").fill(PASSPHRASE)
    page.get_by_label("The lock's new passphrase again").fill(PASSPHRASE)
    page.get_by_label("The lock's new passphrase again").press("Tab")
    page.get_by_role("button", name="Lock this workbook").click()
    page.get_by_text("Locked. From now on it opens only with this passphrase.").wait_for(timeout=60_000)
    (locked,) = app.home.path.glob("*.workbook")
    assert cipher.is_locked(locked) and WORDS.encode() not in locked.read_bytes()
    screenshot(tab, "lock-start-1280")

    tab.reload()  # a new visit: a new kernel, which has no key
    wait_for_stage(tab, "start")
    page = here(tab).locator(".wb-lock")
    field = page.get_by_label("The workbook's passphrase")
    field.wait_for()
    assert axe_problems(tab) == []
    screenshot(tab, "lock-asked-1280")
    tab.set_viewport_size({"width": 390, "height": 844})  # on a phone: asked first, at the top
    screenshot(tab, "lock-asked-390")
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the start page scrolls sideways on a phone ({width} px)"
    field.fill("not the passphrase")
    field.press("Tab")
    page.get_by_role("button", name="Open", exact=True).click()
    page.get_by_text("That passphrase doesn't open this workbook.").wait_for(timeout=60_000)
    field.fill(PASSPHRASE)
    field.press("Tab")
    page.get_by_role("button", name="Open", exact=True).click()
    page.get_by_text("This workbook is locked", exact=True).wait_for(timeout=60_000)
    screenshot(tab, "lock-opened-390")
    here(tab).get_by_role("link", name="Feel it").first.click()  # within this visit: not asked again
    wait_for_stage(tab, "feel")
    assert WORDS in here(tab).evaluate(SHOWN_WORDS)
    # the lock changes or comes off only with the passphrase it has now: the visit's key is not enough
    here(tab).get_by_role("link", name="Start here").first.click()
    wait_for_stage(tab, "start")
    page = here(tab).locator(".wb-lock")
    page.get_by_label("New passphrase for the lock").fill("someone else's passphrase")
    page.get_by_label("The lock's new passphrase again").fill("someone else's passphrase")
    page.get_by_label("The passphrase it has now").fill("a guess at the passphrase")
    page.get_by_label("The passphrase it has now").press("Tab")
    page.get_by_role("button", name="Take the lock off").click()
    page.get_by_text("That passphrase doesn't open this workbook.").wait_for(timeout=60_000)
    (still,) = app.home.path.glob("*.workbook")
    assert still == locked and cipher.is_locked(still)
