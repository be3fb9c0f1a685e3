"""Issue 24 in the app as a person reaches it: the patterns page from the start page once there
are two workbooks, and a reminder downloaded from the start page into a calendar file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest

from .helpers import axe_problems, here, open_ready, wait_for_stage

pytestmark = pytest.mark.browser


# Two rejections, each with "patience" part of the reason and kindness a strength: what the
# patterns page should find (here in the test's own app; on the practice server, tests/browser/
# test_hub_practice.py writes them as the person)
REJECTIONS = (("The bakery job", -2, 8, 3), ("After the interview", -1, 6, 7))
PATTERN_SAID = "You marked “patience” as part of the reason in 2 of 2 rejections."


def write_rejections(home) -> str:
    """Write REJECTIONS into `home` (a workbook.store.Home); the last one's slug."""
    for name, rating, first, last in REJECTIONS:
        with home.create(name) as wb:
            wb.put("trait", {"name": "patience", "domain": "personality", "rating": rating, "touched": True})
            wb.put("trait", {"name": "kindness", "domain": "personality", "rating": 3, "touched": False})
            wb.put("checkin", {"ratings": {"sadness": first}}, at="2026-11-01T10:00:00+00:00")
            wb.put("checkin", {"ratings": {"sadness": last}}, at="2026-11-08T10:00:00+00:00")
            slug = wb.path.stem
    return slug


@pytest.fixture(scope="module")
def two_rejections(start_app, tmp_path_factory):
    """An app whose home holds two workbooks, each with 'patience' part of the reason."""
    app = start_app(tmp_path_factory.mktemp("two-rejections"))
    return app, write_rejections(app.home)


def follow_to_patterns(tab) -> str:
    """From the start page (drawn), the link to the patterns page; that page's words, once its
    two charts are drawn."""
    here(tab).get_by_role("link", name="Patterns across your rejections").click()
    tab.wait_for_url("**/09_patterns.ipynb**")
    open_ready(tab, tab.url)
    tab.wait_for_function("document.querySelectorAll('.wb-chart-view .main-svg').length >= 2", timeout=60_000)
    return here(tab).inner_text()


def download_a_reminder(tab):
    """On the start page (drawn): a once-in-3-days reminder at 19:45 (after a time the page
    refuses), downloaded; its calendar event and the file's bytes."""
    page = here(tab)
    page.get_by_label("How often").select_option(label="Once, in a few days")
    days = page.get_by_label("In how many days")
    days.fill("3")
    days.press("Tab")
    time = page.get_by_label("At what time (hours:minutes)")
    time.fill("8pm")
    time.press("Tab")
    page.get_by_role("button", name="Make the calendar file").click()
    page.get_by_text("Write the time as hours and minutes on a 24-hour clock").wait_for()
    time.fill("19:45")
    time.press("Tab")
    page.get_by_role("button", name="Make the calendar file").click()
    with tab.expect_download() as download:
        page.get_by_role("link", name="download it").click()
    assert download.value.suggested_filename == "workbook-check-ins.ics"
    ics = Path(download.value.path()).read_bytes()
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime.combine(
        dt.date.today() + dt.timedelta(days=3), dt.time(19, 45)
    )
    assert "rrule" not in event
    assert str(event["summary"]) == "Workbook check-in"
    return event, ics


def test_the_start_page_leads_to_the_patterns_page_which_says_and_draws_what_repeats(two_rejections, new_tab):
    app, slug = two_rejections
    tab = new_tab(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    open_ready(tab, app.app_url("start", slug))
    wait_for_stage(tab, "start")
    text = follow_to_patterns(tab)
    assert PATTERN_SAID in text
    assert "These stayed clear strengths every time you rated them: kindness." in text
    # both charts, each with its words for screen readers
    summaries = " ".join(here(tab).locator(".wb-chart-summary").all_inner_texts())
    assert "patience: rated -2 in The bakery job and -1 in After the interview." in summaries
    assert axe_problems(tab) == []
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"


def test_a_reminder_downloads_as_a_calendar_file_from_the_start_page(two_rejections, new_tab):
    app, slug = two_rejections
    tab = new_tab(viewport={"width": 1280, "height": 900})
    open_ready(tab, app.app_url("start", slug))
    wait_for_stage(tab, "start")
    event, ics = download_a_reminder(tab)
    assert str(event["url"]).startswith(app.base + "/voila/render/app.ipynb")
    assert app.token.encode() not in ics
