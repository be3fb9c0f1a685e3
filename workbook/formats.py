"""Dates, times, numbers, lists and counted words in the person's language, with Babel.

Nothing here asks the operating system how to write a date (`strftime("%-d")` does not
exist on Windows), so what a page shows is the same everywhere and tested everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_decimal

from .content import language

# The workbook writes British English ("a, b and c", no comma before "and"), but its
# short month names are the ones it has always shown ("Sep", not British CLDR's "Sept").
_LIST_LOCALE = {"en": "en_GB"}

DAY = "d MMM y"  # 5 Sep 2026 · 5 sept 2026
SHORT_DAY = "d MMM"  # 5 Sep · 5 sept
TIME = "HH:mm"


def _locale(lang: str | None) -> str:
    return lang or language()


def day(value: dt.date | dt.datetime | str, *, lang: str | None = None) -> str:
    """A date as "5 Sep 2026"; a datetime is first turned into local time."""
    return format_date(_local(value), DAY, locale=_locale(lang))


def short_day(value: dt.date | dt.datetime | str, *, lang: str | None = None) -> str:
    """A date without its year, as "5 Sep" (for chart axes)."""
    return format_date(_local(value), SHORT_DAY, locale=_locale(lang))


def day_time(value: dt.datetime | str, *, lang: str | None = None) -> str:
    """A moment as "5 Sep 2026, 14:05", in local time."""
    local = _local(value)
    return (
        f"{format_date(local, DAY, locale=_locale(lang))}, {format_time(local, TIME, locale=_locale(lang))}"
    )


def clock(value: dt.datetime | dt.time | None = None, *, lang: str | None = None) -> str:
    """A time of day as "14:05" (now, without a value)."""
    return format_time(value or dt.datetime.now().time(), TIME, locale=_locale(lang))


def number(n: float, *, lang: str | None = None) -> str:
    """1234.5 as "1,234.5" in English, "1.234,5" in Spanish."""
    return format_decimal(n, locale=_locale(lang))


def word_list(items: Iterable[str], *, lang: str | None = None) -> str:
    """ "a", "a and b", "a, b and c" ("a, b y c")."""
    items = list(items)
    if not items:
        return ""
    code = _locale(lang)
    return format_list(items, locale=_LIST_LOCALE.get(code, code))


def plural(message: str | Mapping[str, str], n: int, *, lang: str | None = None, **values) -> str:
    """A counted message: `message` is one string, or a table of the language's plural forms
    (`zero` when the language has none of its own but the words want one, `one`, `other`...,
    as CLDR names them), filled with `n` (as a number in the language) and `values`."""
    code = _locale(lang)
    if isinstance(message, str):
        form = message
    else:
        kind = "zero" if n == 0 and "zero" in message else Locale.parse(code).plural_form(abs(n))
        form = message.get(kind) or message["other"]
    return form.format(n=number(n, lang=code), **values)


def _local(value: dt.date | dt.datetime | str) -> dt.date | dt.datetime:
    """A stored ISO date stays a date; a stored moment (UTC) becomes the person's local time."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value.astimezone()
    return value
