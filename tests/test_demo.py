"""The demo workbook: shipped as data, installed fresh each time, something on every page."""

from __future__ import annotations

import datetime as dt
import os
import stat

from workbook import model
from workbook.demo import demo_name, install_demo, records
from workbook.progress import stage_progress
from workbook.store import Home


def _open(home: Home, name: str):
    info = home.find(name)
    assert info is not None, f"{name} not in {[i.name for i in home.list()]}"
    return home.open(info.slug)


def test_the_demo_has_something_on_every_stage(home):
    name = install_demo(home)
    assert name == demo_name() == "Demo — Sam"
    with _open(home, name) as wb:
        assert all(p.entries > 0 for p in stage_progress(wb))
        counts = wb.counts()
        for kind in model.KINDS.values():
            if 1 <= kind.stage <= 5:
                assert counts.get(kind.name, 0) > 0, f"the demo has no {kind.name}"
        assert wb.meta("demo") is True


def test_the_demo_check_ins_span_weeks_and_both_stages(home):
    with _open(home, install_demo(home)) as wb:
        checkins = wb.entries("checkin")
        assert {e["stage"] for e in checkins} == {1, 4}
        first = dt.datetime.fromisoformat(checkins[0].created_at)
        last = dt.datetime.fromisoformat(checkins[-1].created_at)
        assert (last - first).days >= 28
        assert dt.datetime.now(dt.UTC) - last < dt.timedelta(days=3)  # dated relative to today


def test_references_in_the_demo_point_at_real_entries(home):
    with _open(home, install_demo(home)) as wb:
        goals = {e.entry_id for e in wb.entries("goal")}
        traits = {e.entry_id for e in wb.entries("trait")}
        assert all(s["goal_id"] in goals for s in wb.entries("step"))
        assert {g["trait_id"] for g in wb.entries("goal")} - {None} <= traits


def test_the_demo_installs_fresh_each_time(home):
    name = install_demo(home)
    with _open(home, name) as wb:
        total = len(wb.entries())
        wb.put("letter", {"text": "A change made while looking around."})
    assert install_demo(home) == name
    with _open(home, name) as wb:
        assert len(wb.entries()) == total
        assert "A change made while looking around." not in [e["text"] for e in wb.entries("letter")]
    assert [i.name for i in home.list()] == [name]
    assert sorted(os.listdir(home.path)) == ["demo-sam.workbook", "workbook.log"] or sorted(
        os.listdir(home.path)
    ) == ["demo-sam.workbook"]


def test_the_demo_never_replaces_a_workbook_of_ones_own(home):
    with home.create("Demo Sam") as own:  # slug demo-sam, the demo's usual file
        own.put("letter", {"text": "My own letter."})
    name = install_demo(home)
    assert name != "Demo Sam"
    with _open(home, "Demo Sam") as own:
        assert [e["text"] for e in own.entries("letter")] == ["My own letter."]
    with _open(home, name) as demo:
        assert demo.meta("demo") is True


def test_the_demo_file_is_private(home):
    name = install_demo(home)
    assert stat.S_IMODE(home.find(name).path.stat().st_mode) == 0o600


def test_the_shipped_records_are_all_valid():
    for record in records():
        if "meta" in record:
            continue
        assert record["kind"] in model.KINDS
        assert record["day"] <= 0
