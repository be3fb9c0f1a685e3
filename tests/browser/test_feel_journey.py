"""Stage 0 and Stage 1 in the real app: create, write, close the tab, come back."""

from __future__ import annotations

import pytest

from .helpers import eventually, here, open_ready, saved, screenshot, wait_ready

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def test_create_check_in_write_close_and_find_it_again(app, page, browser):
    open_ready(page, app.url("00_start.ipynb"))
    page.get_by_label("New workbook name").fill("After the audition")
    page.get_by_role("button", name="Create workbook").click()
    page.get_by_text("Writing to the workbook After the audition").wait_for()
    screenshot(page, "start")

    page.get_by_role("link", name="Feel it").first.click()
    wait_ready(page)
    # The link leads into the app, which keeps other pages on it, hidden (the start page,
    # and pages built ahead): look only at the one shown.
    shown = here(page)
    shown.get_by_text("Writing to the workbook After the audition").wait_for()
    shown.get_by_label("What happened, in my words").fill("They chose someone else. " + XSS)
    shown.get_by_label("Find a feeling").fill("sad")
    shown.get_by_label("Feelings").select_option("sadness")
    shown.get_by_role("button", name="Add this feeling").click()
    shown.get_by_text("How strong is 'sadness'").wait_for()
    shown.get_by_role("button", name="Save this check-in").click()
    shown.get_by_text("Saved your check-in").wait_for()
    shown.get_by_label("What I hoped for or pictured").fill("I pictured the first rehearsal.")
    # the writing is saved after a short pause in typing, with no button pressed
    eventually(
        lambda: saved(app.home, "After the audition", "I pictured the first rehearsal."), what="the save"
    )
    screenshot(page, "feel")
    page.close()  # no button pressed: closing the tab must lose nothing

    again = page.context.new_page()
    open_ready(again, app.url("01_feel.ipynb"))
    assert (
        "I pictured the first rehearsal." in again.get_by_label("What I hoped for or pictured").input_value()
    )
    assert XSS in again.get_by_label("What happened, in my words").input_value()
    again.get_by_text("sadness 5").wait_for()
    assert again.locator("img[src=x]").count() == 0
