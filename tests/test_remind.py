"""Reminders: a calendar file any calendar imports, saying only "Workbook check-in" by default."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from workbook import content, remind
from workbook.errors import InvalidEntry

EVENING = dt.datetime(2026, 12, 7, 18, 30)  # a Monday, before 20:00


def _event(ics: bytes) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(ics)
    (event,) = cal.walk("VEVENT")
    return event


def test_every_day_at_eight_starts_tonight_and_repeats_daily():
    reminder = remind.plan(at="20:00", every="day", now=EVENING)
    event = _event(remind.calendar(reminder, url="http://127.0.0.1:8877/"))
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 7, 20, 0)
    assert event.decoded("dtstart").tzinfo is None  # floating: 20:00 wherever the phone is
    assert event["rrule"]["FREQ"] == ["DAILY"]
    assert str(event["summary"]) == "Workbook check-in"
    assert str(event["url"]) == "http://127.0.0.1:8877/"
    assert "http://127.0.0.1:8877/" in str(event["description"])
    (alarm,) = event.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY"
    assert alarm.decoded("trigger") == dt.timedelta(0)


def test_a_time_already_past_today_starts_tomorrow_and_weekly_keeps_that_weekday():
    reminder = remind.plan(at="7:30", every="week", now=EVENING)
    event = _event(remind.calendar(reminder))
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 8, 7, 30)
    assert event["rrule"]["FREQ"] == ["WEEKLY"]
    assert "url" not in event  # no address given, none invented


@pytest.mark.parametrize("in_days", ["3", "3 days", "3d", 3, " 3 días "])
def test_once_in_three_days_has_no_repeat(in_days):
    event = _event(remind.calendar(remind.plan(at="20.00", in_days=in_days, now=EVENING)))
    assert event.decoded("dtstart") == dt.datetime(2026, 12, 10, 20, 0)
    assert "rrule" not in event


def test_the_event_says_only_check_in_unless_the_person_adds_words():
    plain = remind.calendar(remind.plan(at="20:00", every="day", now=EVENING)).decode()
    assert "Workbook check-in" in plain
    own = _event(
        remind.calendar(remind.plan(at="20:00", every="day", words="Write to Sam's letter", now=EVENING))
    )
    assert str(own["summary"]) == "Write to Sam's letter"
    (alarm,) = own.walk("VALARM")
    assert str(alarm["description"]) == "Write to Sam's letter"


def test_spanish_words_in_the_calendar():
    content.set_language("es")
    try:
        event = _event(remind.calendar(remind.plan(at="20:00", every="day", now=EVENING), url="http://x/"))
        assert str(event["summary"]) == "Un rato con el cuaderno"
        assert str(event["description"]) == "Abre tu cuaderno: http://x/"
        assert remind.file_name() == "ratos-con-el-cuaderno.ics"
        with pytest.raises(InvalidEntry, match="24 horas"):
            remind.plan(at="8pm", every="day")
    finally:
        content.set_language(None)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"at": "8pm", "every": "day"}, "24-hour clock"),
        ({"at": "24:00", "every": "day"}, "24-hour clock"),
        ({"at": None, "every": "day"}, "24-hour clock"),
        ({"at": "20:00", "every": "month"}, "every day or every week"),
        ({"at": "20:00"}, "every day, every week, or once"),
        ({"at": "20:00", "every": "day", "in_days": 3}, "not both"),
        ({"at": "20:00", "in_days": "0"}, "1 to 365"),
        ({"at": "20:00", "in_days": "400"}, "1 to 365"),
        ({"at": "20:00", "in_days": "soon"}, "1 to 365"),
        ({"at": "20:00", "in_days": True}, "1 to 365"),
        ({"at": "20:00", "every": "day", "words": "x" * 201}, "under 200 characters"),
    ],
)
def test_bad_input_gets_a_plain_message(given, says):
    with pytest.raises(InvalidEntry, match=says):
        remind.plan(now=EVENING, **given)


def test_control_characters_cannot_break_the_calendar_file():
    # a line break typed into the words would otherwise start a new calendar property
    reminder = remind.plan(at="20:00", every="day", words="hi\r\nATTENDEE:evil@example.com", now=EVENING)
    event = _event(remind.calendar(reminder))
    assert "attendee" not in event
    assert str(event["summary"]) == "hi ATTENDEE:evil@example.com"


def test_the_command_saves_a_private_calendar_file_linking_to_the_folders_own_address(home, tmp_path, capsys):
    import json
    import stat

    from workbook import cli

    home.create("After the interview").close()
    home.path.joinpath("address.json").write_text(json.dumps({"port": 8999, "token": "x" * 32}))
    out = tmp_path / "mine.ics"
    argv = ["remind", "After the interview", "--home", str(home.path), "--every", "week", "--at", "19:30"]
    assert cli.main([*argv, "--out", str(out)]) == 0
    assert f"Saved a reminder for 'After the interview' to {out}" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    event = _event(out.read_bytes())
    assert str(event["url"]) == "http://127.0.0.1:8999/voila/render/app.ipynb"
    assert "x" * 32 not in out.read_text()  # never the token
    assert "interview" not in out.read_text().lower()  # nor the workbook's name
    assert event["rrule"]["FREQ"] == ["WEEKLY"]
    # again: the file is kept, and the person is told how to replace it
    assert cli.main([*argv, "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert cli.main([*argv, "--out", str(out), "--force", "--words", "Letter to Sam"]) == 0
    assert str(_event(out.read_bytes())["summary"]) == "Letter to Sam"


def test_the_command_says_plainly_what_is_wrong(home, tmp_path, capsys, monkeypatch):
    from workbook import cli

    monkeypatch.setenv(content.LANGUAGE_ENV, "en")  # --language sets it for the process: put back after

    home.create("Sam").close()
    base = ["remind", "--home", str(home.path), "--out", str(tmp_path / "r.ics")]
    assert cli.main([*base, "Nobody", "--every", "day"]) == 2
    assert "There is no workbook called 'Nobody'" in capsys.readouterr().err
    assert cli.main([*base, "Sam", "--every", "day", "--in", "3"]) == 2
    assert "not both" in capsys.readouterr().err
    assert cli.main([*base, "Sam", "--in", "3", "--language", "es"]) == 0
    assert "Recordatorio para «Sam»" in capsys.readouterr().out
    assert not (tmp_path / "r.ics").read_text().count("RRULE")


def test_on_a_practice_server_the_link_is_the_persons_own_app_under_the_hubs_address(tmp_path, monkeypatch):
    from workbook.address import app_url

    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/sam/")
    # what JupyterHub's spawner sets when the hub's public_url is: this server's own address
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "https://practice.example/user/sam/")
    assert app_url(tmp_path) == "https://practice.example/user/sam/voila/render/app.ipynb"
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "https://practice.example/")  # the hub's, by hand
    assert app_url(tmp_path) == "https://practice.example/user/sam/voila/render/app.ipynb"
    monkeypatch.delenv("JUPYTERHUB_PUBLIC_URL")
    assert app_url(tmp_path) is None  # not known: the event goes without a link rather than a wrong one
