"""Reminders without a service: a calendar file (iCalendar, RFC 5545) any calendar app imports.

Nothing is sent anywhere and nothing runs in the background: the person's own calendar does
the reminding. The event says only "Workbook check-in" (in the person's language) unless they
add words of their own, because calendars are often synced to other people's servers and seen
on lock screens. The link in it is the app's address without its token, for the same reason.

Times are "floating" (no time zone): 20:00 stays 20:00 wherever the person's phone is, which is
what someone means by "every evening at eight".
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

import icalendar

from . import content
from .errors import InvalidEntry
from .text import clean_text

EVERY = ("day", "week")
MAX_DAYS = 365
MAX_WORDS = 200
PRODID = "-//Rejection Workbook//Reminders//EN"
_TIME = re.compile(r"([01]?\d|2[0-3])[:.h]([0-5]\d)")
_DAYS = re.compile(r"(\d{1,3})\s*(d|days?|días?|dias?)?", re.IGNORECASE)


def _words(key: str, **values) -> str:
    return content.text("remind")[key].format(**values)


class ReminderProblem(InvalidEntry):
    """What is wrong with a reminder asked for (data/text/remind.toml [problem])."""

    text_file = "remind"


def _refuse(key: str, **values) -> ReminderProblem:
    return ReminderProblem(f"problem.{key}", **values)


@dataclass(frozen=True)
class Reminder:
    """When the check-in comes: `every` "day" or "week" from `first`, or once at `first`."""

    first: dt.datetime  # floating local time
    every: str | None = None
    words: str = ""


def parse_time(value: object) -> dt.time:
    """ "20:00", "7:30", "20.00" or "20h00" -> a time; InvalidEntry for anything else."""
    found = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if not found:
        raise _refuse("time")
    return dt.time(int(found[1]), int(found[2]))


def parse_days(value: object) -> int:
    """ "3", "3 days", "3d" (or "3 días") -> 3; between 1 and MAX_DAYS."""
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    else:
        found = _DAYS.fullmatch(value.strip()) if isinstance(value, str) else None
        if not found:
            raise _refuse("days")
        days = int(found[1])
    if not 1 <= days <= MAX_DAYS:
        raise _refuse("days")
    return days


def plan(
    *,
    at: object,
    every: object = None,
    in_days: object = None,
    words: object = "",
    now: dt.datetime | None = None,
) -> Reminder:
    """A checked reminder from what a person gave (a page or the command line may send anything).

    Repeating: the first one is today at `at`, or tomorrow if that time has passed (a weekly
    one keeps that weekday). Once: `in_days` days from today at `at`."""
    now = now or dt.datetime.now()
    time = parse_time(at)
    if every in (None, "") and in_days in (None, ""):
        raise _refuse("neither")
    if every not in (None, "") and in_days not in (None, ""):
        raise _refuse("both")
    if not isinstance(words, str):
        words = ""
    words = " ".join(clean_text(words, multiline=False).split())
    if len(words) > MAX_WORDS:
        raise _refuse("words_long", most=MAX_WORDS, length=len(words))
    if in_days not in (None, ""):
        day = now.date() + dt.timedelta(days=parse_days(in_days))
        return Reminder(dt.datetime.combine(day, time), None, words)
    if every not in EVERY:
        raise _refuse("every")
    first = dt.datetime.combine(now.date(), time)
    if first <= now:
        first += dt.timedelta(days=1)
    return Reminder(first, every, words)


def calendar(reminder: Reminder, *, url: str | None = None, now: dt.datetime | None = None) -> bytes:
    """The .ics file for `reminder`, in the language in use, linking to `url` if given."""
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    event = icalendar.Event()
    event.add("uid", f"{uuid.uuid4()}@rejection-workbook")
    event.add("dtstamp", stamp)
    event.add("dtstart", reminder.first)
    event.add("duration", dt.timedelta(minutes=15))
    event.add("summary", reminder.words or _words("summary"))
    if url:
        event.add("url", url)
        event.add("description", _words("open_app", url=url))
    if reminder.every:
        event.add("rrule", {"freq": "daily" if reminder.every == "day" else "weekly"})
    event.add("transp", "TRANSPARENT")  # a nudge, not a meeting: the time still shows as free
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", reminder.words or _words("alarm"))
    alarm.add("trigger", dt.timedelta(0))
    event.add_component(alarm)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add_component(event)
    return cal.to_ical()


def file_name() -> str:
    """The name the calendar file is offered under, in the person's language."""
    return _words("file_name")
