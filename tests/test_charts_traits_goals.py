"""The Stage 2 and Stage 3 charts: frame in, figure out, checked from the figure's data."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

from workbook.charts import goals as goal_charts
from workbook.charts import traits as trait_charts
from workbook.charts.render import STRENGTH, WEAKNESS
from workbook.frames import frame


def _trait(wb, name, rating, domain="personality", touched=False):
    return wb.put("trait", {"name": name, "domain": domain, "rating": rating, "touched": touched})


def _by_name(fig):
    return {trace.name: trace for trace in fig.data}


def test_by_trait_puts_strengths_right_weaknesses_left_sorted_and_marked(wb):
    _trait(wb, "patience", 1)
    _trait(wb, "public speaking", -3, "skills and experience", touched=True)
    _trait(wb, "kindness", 3)
    _trait(wb, "punctuality", -1, touched=True)
    _trait(wb, "humour", 0, touched=True)
    _trait(wb, "removed one", 2)
    wb.delete(wb.entries("trait")[-1].entry_id)

    fig = trait_charts.by_trait(frame(wb, "trait"))

    assert isinstance(fig, go.Figure)
    traces = _by_name(fig)
    assert set(traces) == {"Strengths", "Weaknesses", "Neither"}
    strengths, weaknesses, neither = traces["Strengths"], traces["Weaknesses"], traces["Neither"]
    assert list(strengths.y) == ["kindness", "patience"]
    assert list(strengths.x) == [3, 1]
    assert strengths.marker.color == STRENGTH
    assert list(weaknesses.y) == ["punctuality ◆", "public speaking ◆"]
    assert list(weaknesses.x) == [-1, -3]
    assert all(x < 0 for x in weaknesses.x)
    assert weaknesses.marker.color == WEAKNESS
    assert list(weaknesses.marker.pattern.shape) == ["/", "/"]
    assert list(strengths.marker.pattern.shape) == ["", ""]
    assert list(neither.x) == [0] and list(neither.y) == ["humour ◆"]
    # top to bottom: strongest strength first, clearest weakness last; removed traits are gone
    assert list(fig.layout.yaxis.categoryarray) == [
        "kindness",
        "patience",
        "humour ◆",
        "punctuality ◆",
        "public speaking ◆",
    ]
    assert fig.layout.yaxis.autorange == "reversed"
    assert any("the reason touches this" in a.text for a in fig.layout.annotations)


def test_by_trait_keeps_two_traits_of_the_same_name_apart(wb):
    _trait(wb, "patience", 2)
    _trait(wb, "patience", 2)
    fig = trait_charts.by_trait(frame(wb, "trait"))
    assert list(fig.data[0].y) == ["patience", "patience (2)"]


def test_by_trait_with_nothing_rated_says_so_kindly(wb):
    fig = trait_charts.by_trait(frame(wb, "trait"))
    assert len(fig.data) == 0
    assert "Rate a few traits" in fig.layout.annotations[0].text
    assert "Rate a few traits" in trait_charts.trait_summary(frame(wb, "trait"))


def test_by_domain_balances_strength_and_weakness_points_per_area(wb):
    _trait(wb, "patience", 3)
    _trait(wb, "temper", -1)
    _trait(wb, "coding", -2, "skills and experience")
    _trait(wb, "degree", 2, "education")

    df = frame(wb, "trait")
    fig = trait_charts.by_domain(df)

    traces = _by_name(fig)
    assert list(traces["Strengths"].y) == ["Personality", "Skills and experience", "Education"]
    assert list(traces["Strengths"].x) == [3, 0, 2]
    assert list(traces["Weaknesses"].x) == [-1, -2, 0]
    assert list(traces["Balance"].x) == [2, -2, 2]
    assert fig.layout.barmode == "relative"
    summary = trait_charts.domain_summary(df)
    assert "Personality: 3 strength points and 1 weakness point, leaning to strength." in summary
    assert "Skills and experience: no strength points and 2 weakness points, leaning to weakness." in summary


def test_trait_summary_names_strengths_weaknesses_and_what_the_reason_touches(wb):
    _trait(wb, "kindness", 3)
    _trait(wb, "listening", -2, touched=True)
    summary = trait_charts.trait_summary(frame(wb, "trait"))
    assert summary.startswith("You have rated 2 traits: 1 strength and 1 weakness.")
    assert "Strongest: kindness." in summary
    assert "Clearest weaknesses: listening." in summary
    assert "The reason touches: listening." in summary


def _goal(wb, title, **extra):
    return wb.put("goal", {"title": title, **extra})


def test_progress_puts_steps_chances_and_celebrations_on_one_time_axis(wb):
    listen = _goal(wb, "Listen more", target_on="2026-05-20")
    speak = _goal(wb, "Speak up", done=True)
    gone = _goal(wb, "Removed goal")
    wb.put("step", {"goal_id": listen.entry_id, "kind": "step", "done_on": "2026-05-01", "text": "read"})
    wb.put(
        "step", {"goal_id": listen.entry_id, "kind": "chance taken", "done_on": "2026-05-03", "text": "asked"}
    )
    wb.put(
        "step", {"goal_id": speak.entry_id, "kind": "step", "done_on": "2026-05-02", "text": "<b>spoke</b>"}
    )
    wb.put("step", {"goal_id": gone.entry_id, "kind": "step", "done_on": "2026-05-04", "text": "lost"})
    wb.put("celebration", {"goal_id": speak.entry_id, "done_on": "2026-05-05", "accomplishment": "did it"})
    wb.put("celebration", {"done_on": "2026-05-06", "accomplishment": "a good week", "how": "cake"})
    wb.delete(gone.entry_id)

    goals, steps, cheers = frame(wb, "goal"), frame(wb, "step"), frame(wb, "celebration")
    fig = goal_charts.progress(goals, steps, cheers)

    traces = _by_name(fig)
    assert set(traces) == {"Steps", "Chances taken", "Celebrations", "Target dates"}
    assert list(traces["Steps"].y) == ["Listen more", "Speak up ✓"]
    assert list(traces["Steps"].x) == [dt.date(2026, 5, 1), dt.date(2026, 5, 2)]
    assert list(traces["Chances taken"].x) == [dt.date(2026, 5, 3)]
    assert list(traces["Celebrations"].y) == ["Speak up ✓", "Other celebrations"]
    assert list(traces["Target dates"].x) == [dt.date(2026, 5, 20)]
    assert fig.layout.xaxis.type == "date"
    assert list(fig.layout.yaxis.categoryarray) == ["Listen more", "Speak up ✓", "Other celebrations"]
    assert "&lt;b&gt;spoke" in traces["Steps"].text[1]  # user text is never markup in the chart
    summary = goal_charts.progress_summary(goals, steps, cheers)
    assert "'Listen more': 1 step, 1 chance taken and no celebrations, the latest on 3 May 2026." in summary
    assert (
        "'Speak up': 1 step, no chances taken and 1 celebration, the latest on 5 May 2026. Done." in summary
    )
    assert "Removed goal" not in summary
    assert "Also 1 celebration not tied to a goal." in summary


@pytest.mark.parametrize("with_goal", [False, True])
def test_progress_without_anything_logged_invites_gently(wb, with_goal):
    if with_goal:
        _goal(wb, "Listen more")
    fig = goal_charts.progress(frame(wb, "goal"), frame(wb, "step"), frame(wb, "celebration"))
    assert len(fig.data) == 0
    expected = "Log a step" if with_goal else "Add a goal"
    assert expected in fig.layout.annotations[0].text


def test_names_in_charts_are_text_not_markup(wb):
    from workbook.charts import emotions as emotion_charts
    from workbook.charts import goals as goal_charts
    from workbook.charts import traits as trait_charts

    xss = '<a href="https://example.org">click</a>'
    wb.put("trait", {"name": xss, "domain": "other", "rating": 2})
    goal = wb.put("goal", {"title": xss})
    wb.put("step", {"goal_id": goal.entry_id, "kind": "step", "done_on": "2026-11-01", "text": "a step"})
    wb.put("checkin", {"ratings": {"<b>mine</b>": 4}})
    figures = [
        trait_charts.by_trait(frame(wb, "trait")),
        goal_charts.progress(frame(wb, "goal"), frame(wb, "step"), frame(wb, "celebration")),
        emotion_charts.figure(frame(wb, "emotions")),
    ]
    for fig in figures:
        spec = fig.to_json()
        assert "<a href" not in spec and "<b>mine" not in spec
    assert "&lt;a href" in figures[0].to_json()
