"""The therapist's caseload: who needs attention first, from what clients shared and nothing more."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from workbook import caseload, exchange
from workbook.store import Home


@pytest.fixture
def practice(tmp_path) -> Home:
    return Home(tmp_path / "practice")


def _client(tmp_path: Path, practice: Home, alias: str) -> Home:
    """A client with their own home, started from the therapist's start file."""
    _slug, start = exchange.prepare(practice, alias)
    own = Home(tmp_path / alias)
    exchange.start_from(own, start).close()
    return own


def _share(practice: Home, own: Home, stages, **entries) -> None:
    (info,) = own.list()
    with own.open(info.slug) as wb:
        for kind, datas in entries.items():
            for data, at in datas:
                wb.put(kind, data, at=at)
        exchange.import_share(practice, exchange.share_file(wb, stages))


def _rows(practice):
    return [(c.client.alias, c.care, c.moved) for c in caseload.caseload(practice)]


def test_care_comes_first_then_heavier_feelings_then_the_most_recent(tmp_path, practice):
    calm, heavy, unsure, worried = (_client(tmp_path, practice, n) for n in ("Ana", "Ben", "Cai", "Dee"))
    _share(practice, calm, [1], checkin=[({"ratings": {"sadness": 7}}, "2026-12-01T10:00:00+00:00")])
    _share(practice, calm, [1], checkin=[({"ratings": {"sadness": 2}}, "2026-12-05T10:00:00+00:00")])
    _share(practice, heavy, [1], checkin=[({"ratings": {"sadness": 2}}, "2026-11-01T10:00:00+00:00")])
    _share(practice, heavy, [1], checkin=[({"ratings": {"sadness": 8}}, "2026-11-02T10:00:00+00:00")])
    _share(practice, unsure, [5], weighing=[({"self_harm": "not sure"}, "2026-12-06T10:00:00+00:00")])
    _share(practice, worried, [5], weighing=[({"self_harm": "yes"}, "2026-10-01T10:00:00+00:00")])
    assert _rows(practice) == [
        ("Dee", "yes", None),  # "yes" before "not sure", however long ago
        ("Cai", "not sure", None),
        ("Ben", None, "heavier"),  # heavier feelings before more recent activity
        ("Ana", None, "lighter"),
    ]
    dee = caseload.caseload(practice)[0]
    assert dee.care_on.startswith("2026-10-01")


def test_feelings_move_from_the_share_before_the_latest_not_from_the_first_check_in(tmp_path, practice):
    own = _client(tmp_path, practice, "Eli")
    _share(practice, own, [1], checkin=[({"ratings": {"sadness": 9}}, "2026-12-01T10:00:00+00:00")])
    _share(practice, own, [1], checkin=[({"ratings": {"sadness": 3}}, "2026-12-02T10:00:00+00:00")])
    _share(practice, own, [1], checkin=[({"ratings": {"sadness": 6}}, "2026-12-03T10:00:00+00:00")])
    (row,) = caseload.caseload(practice)
    assert (row.before, row.now, row.moved) == (3.0, 6.0, "heavier")  # 9 -> 6 would read "lighter"


def test_nothing_the_client_did_not_share_shows(tmp_path, practice):
    own = _client(tmp_path, practice, "Fay")
    (info,) = own.list()
    with own.open(info.slug) as wb:
        wb.put("weighing", {"self_harm": "yes"})  # stage 5, never shared
    _share(practice, own, [1], checkin=[({"ratings": {"hope": 5}}, "2026-12-01T10:00:00+00:00")])
    (row,) = caseload.caseload(practice)
    assert (row.client.alias, row.care, row.care_on, row.moved, row.checkins) == ("Fay", None, None, None, 1)


def test_no_practice_folder_is_an_empty_caseload(practice):
    assert caseload.caseload(practice) == []


def test_the_practice_page_puts_care_first_with_the_crisis_line_beside_it(home, tmp_path):
    from workbook.stages import practice as page
    from workbook.store import practice_home

    folder = practice_home(home)
    calm, worried = _client(tmp_path, folder, "Ana"), _client(tmp_path, folder, "Dee")
    _share(folder, calm, [1], checkin=[({"ratings": {"sadness": 2}}, "2026-12-06T10:00:00+00:00")])
    _share(folder, worried, [5], weighing=[({"self_harm": "not sure"}, "2026-12-01T10:00:00+00:00")])
    table = page.Practice(home=home.path).clients_html.value
    assert table.index("Dee") < table.index("Ana")  # though Ana was active more recently
    assert "Wasn't sure about thoughts of hurting themselves (1 Dec 2026)" in html.unescape(table)
    assert 'href="tel:988"' in table  # the crisis line, tap-to-call, beside the answer
    assert table.count("wb-needs-care") == 1
