"""The start page's reminder and patterns link, driven in Python as the page would be."""

from __future__ import annotations

import base64
import datetime as dt
import re

import icalendar

from workbook import content
from workbook.stages import journey, start


def _offered(section) -> bytes | None:
    found = re.search(r'href="data:text/calendar;base64,([^"]+)"', section.result.value)
    return base64.b64decode(found[1]) if found else None


def test_a_weekly_reminder_is_offered_as_a_calendar_file(home):
    page = start.StartPage(home=home.path)
    section = page.reminders
    section.often.value = "week"
    section.at.value = "21:05"
    assert section.days.layout.display == "none"  # only asked for a single reminder
    section.make_button.click()
    event = icalendar.Calendar.from_ical(_offered(section)).walk("VEVENT")[0]
    assert event["rrule"]["FREQ"] == ["WEEKLY"]
    assert event.decoded("dtstart").time() == dt.time(21, 5)
    assert str(event["url"]).startswith("http://127.0.0.1:")


def test_anything_the_page_sends_is_checked_and_a_bad_time_offers_nothing(home):
    section = start.StartPage(home=home.path).reminders
    section.often.value = "once"
    assert section.days.layout.display is None
    section.days.value = "-4"
    section.make_button.click()
    assert "whole number from 1 to 365" in section.result.value
    assert _offered(section) is None
    section.days.value = "3"
    section.words.value = "x" * 500  # a text box sends whatever was typed or pasted
    section.make_button.click()
    assert "under 200 characters" in section.result.value
    assert _offered(section) is None


def test_in_spanish(home):
    content.set_language("es")
    section = start.StartPage(home=home.path).reminders
    section.at.value = "25:00"
    section.make_button.click()
    assert "formato de 24 horas" in section.result.value


def test_the_patterns_link_appears_on_the_start_and_journey_pages_with_the_second_workbook(home):
    home.create("First").close()
    assert "09_patterns.ipynb" not in start.StartPage(home=home.path).patterns.value
    home.create("Second").close()
    assert "09_patterns.ipynb" in start.StartPage(home=home.path).patterns.value
    built = journey.JourneyPage(home=home.path, slug="second")
    assert any("09_patterns.ipynb" in getattr(w, "value", "") for w in built.page.body)
