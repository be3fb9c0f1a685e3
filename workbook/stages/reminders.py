"""The start page's reminders: a calendar file the person downloads and opens in their own
calendar (workbook/remind.py makes it; nothing is sent anywhere, nothing runs in the background).

Every value comes from a widget and goes through `remind.plan`, which checks it as it would
a command line's: the page can send anything.
"""

from __future__ import annotations

import ipywidgets as w

from .. import content, remind
from ..address import app_url
from . import plain
from .forms import button, dropdown, text_line
from .handover import download_link
from .markup import esc
from .page import Page

ONCE = "once"
CALENDAR_TYPE = "text/calendar"


class ReminderSection:
    """How often, at what time, optional words; a button that offers the calendar file."""

    def __init__(self, page: Page):
        self.page = page
        t = content.text("remind")["page"]
        self.often = dropdown(
            t["how_often"],
            [(t["every_day"], "day"), (t["every_week"], "week"), (t["once"], ONCE)],
            "day",
        )
        self.at = text_line(t["at"], value="20:00")
        self.days = text_line(t["days"], value="3")
        self.words = text_line(t["words"])
        self.make_button = button(t["make"])
        self.result = page.status_line()
        page.on_click(self.make_button, self.make, near=self.result)
        self.often.observe(lambda _change: self._show_days(), names="value")
        self._show_days()
        self.widget = page.section(
            t["title"],
            esc(t["intro"]),
            plain.HBox([self.often, self.at]),
            self.days,
            self.words,
            self.make_button,
            self.result,
        )

    def _show_days(self) -> None:
        self.days.layout = w.Layout(display=None if self.often.value == ONCE else "none")

    def make(self) -> bytes:
        """Check what was chosen and offer the calendar file; returns its bytes."""
        t = content.text("remind")["page"]
        once = self.often.value == ONCE
        reminder = remind.plan(
            at=self.at.value,
            every=None if once else self.often.value,
            in_days=self.days.value if once else None,
            words=self.words.value,
        )
        data = remind.calendar(reminder, url=app_url(self.page.session.home.path))
        link = download_link(data, remind.file_name(), t["download"], mime=CALENDAR_TYPE)
        self.page.say(t["ready"].format(link=link))
        return data
