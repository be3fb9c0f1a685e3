"""The journey dashboard, built from the demo workbook and from an empty one."""

from __future__ import annotations

import pytest

from workbook.demo import install_demo
from workbook.stages.journey import JourneyPage

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def demo_slug(home):
    name = install_demo(home)
    slug = home.find(name).slug
    home.set_current(slug)
    return slug


def _all_html(widget) -> str:
    value = widget.value if widget.__class__.__name__ == "HTML" else ""
    return value + "".join(_all_html(child) for child in getattr(widget, "children", ()))


def test_the_demo_dashboard_shows_the_whole_journey(demo_slug):
    journey = JourneyPage()
    html = _all_html(journey.widget)
    for title in (
        "Where you are",
        "Your feelings over time",
        "Strengths and weaknesses",
        "Goals, steps and celebrations",
        "Healing practices",
        "Your latest writing",
    ):
        assert title in html
    assert journey.stages.value.count("✓ done") == 4  # the demo marked Stages 1-4 done
    assert "Present our work at the monthly critique" in journey.goal_list.value
    assert "Pizza with Priya" in journey.goal_list.value
    assert "4 kind acts for myself" in journey.healing.value
    assert "Mostly I feel like myself again." in journey.writing.value


def test_the_charts_are_drawn_once_the_page_is_shown(demo_slug):
    journey = JourneyPage()
    assert set(journey.charts) == {"feelings", "traits", "goals", "healing"}
    assert all(view.figure is None for view in journey.charts.values())
    # the page says when its charts are in (what browser tests wait for), and not before
    assert "app-drawn" not in journey.page.footer._dom_classes

    journey.page.run_after_shown()

    assert "app-drawn" in journey.page.footer._dom_classes

    assert journey.page.status.value == ""  # no problem reported
    feelings = {t.name: list(t.y) for t in journey.charts["feelings"].figure.data}
    assert feelings["disappointment"][0] == 9 and feelings["disappointment"][-1] == 2
    assert len(feelings["sadness"]) == 7
    traits = journey.charts["traits"].figure
    assert sum(len(t.y) for t in traits.data) == 11
    goals = journey.charts["goals"].figure
    assert any(t.name == "Celebrations" and len(t.x) == 3 for t in goals.data)
    healing = journey.charts["healing"].figure
    assert sum(sum(t.y) for t in healing.data) == 4 + 2 + 1 + 3 + 1
    for view in journey.charts.values():
        assert len(view.summary.value) > 60


def test_an_empty_workbook_gets_gentle_pointers_not_empty_charts(wb):
    journey = JourneyPage()
    journey.page.run_after_shown()
    html = _all_html(journey.widget)
    assert journey.charts == {}
    assert "check in during" in html and "rate your traits in" in html
    assert "not started yet" in html
    assert journey.page.status.value == ""


def test_writing_on_the_dashboard_is_shown_as_text(wb):
    wb.put("goal", {"title": "Be brave " + XSS})
    wb.put("letter", {"text": "Dear me " + XSS})
    journey = JourneyPage()
    html = _all_html(journey.widget)
    assert "<img" not in html
    assert "Be brave &lt;img" in html and "Dear me &lt;img" in html


def test_long_writing_is_shortened_with_a_link_to_read_it_all(wb):
    wb.put("letter", {"text": "word " * 400})
    writing = JourneyPage().writing.value
    assert "…" in writing and "04_heal.ipynb" in writing
    assert writing.count("word") < 100


def test_no_workbook_means_a_calm_page(home):
    journey = JourneyPage()
    assert journey.page.wb is None
    assert "No workbook is open yet" in journey.page.header.value


def test_the_goal_list_and_the_chart_count_steps_the_same_way(wb):
    goal = wb.put("goal", {"title": "Speak up in meetings"})
    for kind, day in (("step", "2026-11-01"), ("step", "2026-11-03"), ("chance taken", "2026-11-05")):
        wb.put("step", {"goal_id": goal.entry_id, "kind": kind, "text": "Did it", "done_on": day})
    journey = JourneyPage()
    journey.page.run_after_shown()
    summary = journey.charts["goals"].summary.value
    assert "2 steps and 1 chance taken" in journey.goal_list.value
    assert "2 steps, 1 chance taken" in summary
