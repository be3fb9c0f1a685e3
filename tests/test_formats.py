"""Dates, numbers, lists and counted words in each language, the same on every platform."""

import datetime as dt

import pytest

from workbook import content, formats


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def test_days_without_a_leading_zero_in_both_languages():
    assert formats.day("2026-09-05", lang="en") == "5 Sep 2026"
    assert formats.day(dt.date(2026, 1, 31), lang="es") == "31 ene 2026"
    assert formats.short_day("2026-03-07", lang="en") == "7 Mar"


def test_a_stored_moment_is_shown_with_its_time():
    moment = dt.datetime(2026, 11, 28, 9, 5, tzinfo=dt.UTC)
    assert formats.day_time(moment, lang="en") == "28 Nov 2026, 09:05"
    assert formats.day_time(moment.isoformat(), lang="es") == "28 nov 2026, 09:05"
    assert formats.day(moment.isoformat(), lang="en") == "28 Nov 2026"
    assert formats.clock(dt.time(14, 5), lang="en") == "14:05"


def test_lists_read_naturally():
    assert formats.word_list([], lang="en") == ""
    assert formats.word_list(["kindness"], lang="en") == "kindness"
    assert formats.word_list(["a", "b"], lang="en") == "a and b"
    assert formats.word_list(["a", "b", "c"], lang="en") == "a, b and c"
    assert formats.word_list(["a", "b", "c"], lang="es") == "a, b y c"


def test_numbers_and_plurals():
    assert formats.number(1234.5, lang="en") == "1,234.5"
    assert formats.number(1234.5, lang="es") == "1.234,5"
    days = {"zero": "no days", "one": "{n} day", "other": "{n} days"}
    assert [formats.plural(days, n, lang="en") for n in (0, 1, 2)] == ["no days", "1 day", "2 days"]
    dias = {"one": "{n} día", "other": "{n} días"}
    assert [formats.plural(dias, n, lang="es") for n in (0, 1, 5)] == ["0 días", "1 día", "5 días"]
    assert formats.plural("{n} of {total}", 3, lang="en", total=4) == "3 of 4"


def test_the_language_in_use_is_the_default(monkeypatch):
    monkeypatch.delenv(content.LANGUAGE_ENV, raising=False)
    content.set_language("es-MX")
    assert formats.day("2026-09-05") == "5 sept 2026"
    content.set_language(None)
    assert formats.day("2026-09-05") == "5 Sep 2026"
