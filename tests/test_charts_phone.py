"""Charts on a phone, and charts that keep everything on this computer.

The figure functions' `narrow=True` layouts (names above bars, legend below, nothing to
drag), the plotly config that offers no way to send a chart anywhere, and `ChartView`,
which waits for the browser to say how wide a chart is before drawing it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from workbook.charts import emotions as emotion_charts
from workbook.charts import goals as goal_charts
from workbook.charts import journey as journey_charts
from workbook.charts import render
from workbook.charts import traits as trait_charts
from workbook.charts.render import CONFIG, NARROW_BELOW, PLOTLY_MIME, ChartView, mimebundle, wrap
from workbook.frames import frame

LONG_TRAIT = "staying calm and kind with people who are upset on the phone"
CLOUD_WORDS = ("cloud", "share", "studio", "plotly.com", "http")


def _traits(wb):
    wb.put("trait", {"name": "kindness", "domain": "personality", "rating": 3})
    wb.put("trait", {"name": LONG_TRAIT, "domain": "skills and experience", "rating": -2, "touched": True})
    wb.put("trait", {"name": "humour", "domain": "personality", "rating": 0})
    return frame(wb, "trait")


def _annotation_texts(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


# -- no way out to the network -------------------------------------------------------------
@pytest.mark.parametrize("narrow", [False, True])
def test_no_chart_offers_to_send_itself_anywhere(wb, narrow):
    spec = mimebundle(trait_charts.by_trait(_traits(wb)), "summary", narrow=narrow)[PLOTLY_MIME]
    config = spec["config"]
    assert config["displaylogo"] is False
    assert config["showSendToCloud"] is False
    assert config["showLink"] is False
    assert config["showEditInChartStudio"] is False
    assert config["plotlyServerURL"] == ""  # plotly.js would otherwise default to its cloud
    assert {"sendChartToCloud", "sendDataToCloud", "editInChartStudio"} <= set(
        config["modeBarButtonsToRemove"]
    )
    assert "toImage" not in config["modeBarButtonsToRemove"]  # saving the picture here stays
    addresses = [str(v) for v in config.values() if isinstance(v, str)]
    assert not any(word in v.lower() for v in addresses for word in CLOUD_WORDS)
    assert "plotly.com" not in str(spec["layout"])


def test_on_a_phone_the_chart_has_no_mode_bar_and_nothing_to_drag(wb):
    narrow = mimebundle(trait_charts.by_trait(_traits(wb), narrow=True), narrow=True)[PLOTLY_MIME]
    assert narrow["config"]["displayModeBar"] is False
    assert narrow["layout"]["dragmode"] is False
    wide = mimebundle(trait_charts.by_trait(_traits(wb)))[PLOTLY_MIME]
    assert wide["config"] == CONFIG and "displayModeBar" not in wide["config"]


# -- narrow layouts ------------------------------------------------------------------------
def test_on_a_phone_each_trait_is_named_above_its_bar_and_the_legend_is_below(wb):
    traits = _traits(wb)
    wide = trait_charts.by_trait(traits)
    fig = trait_charts.by_trait(traits, narrow=True)

    assert [t.name for t in fig.data] == [t.name for t in wide.data]  # the same picture
    assert fig.layout.yaxis.showticklabels is False  # no column of names squeezing the bars
    named = {a.y: a for a in fig.layout.annotations if a.yref == "y"}
    assert set(named) == set(wide.layout.yaxis.categoryarray)
    for note in named.values():
        assert note.xref == "paper" and note.x == 0 and note.xanchor == "left"  # across the width
        assert note.yanchor == "bottom" and note.yshift > 0  # above its bar
        assert all(len(line) <= 40 for line in note.text.split("<br>"))
    long_one = next(a for y, a in named.items() if y.startswith("staying"))
    assert "<br>" in long_one.text  # a long name wraps instead of running off the screen
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0  # below everything
    assert fig.layout.legend.orientation == "h"
    assert fig.layout.margin.l <= 10 and fig.layout.margin.r <= 10
    assert any("the reason touches this" in text for text in _annotation_texts(fig))
    # each row has room for its name: more traits, a taller chart
    more = wb.put("trait", {"name": "patience", "domain": "personality", "rating": 1})
    assert (more["name"], more["rating"]) == ("patience", 1)
    assert trait_charts.by_trait(frame(wb, "trait"), narrow=True).layout.height > fig.layout.height


def test_on_a_phone_each_area_is_named_above_its_bars(wb):
    fig = trait_charts.by_domain(_traits(wb), narrow=True)
    assert fig.layout.yaxis.showticklabels is False
    assert {a.y for a in fig.layout.annotations if a.yref == "y"} == {"Personality", "Skills and experience"}
    assert fig.layout.legend.yref == "container"
    assert fig.layout.xaxis.nticks == 5


def test_the_wide_trait_chart_is_as_it_was(wb):
    fig = trait_charts.by_trait(_traits(wb))
    assert fig.layout.yaxis.showticklabels is None  # names beside the bars, as on a laptop
    assert fig.layout.legend.y == 1.02 and fig.layout.legend.yref is None
    assert fig.layout.dragmode is None


def test_nothing_rated_yet_fits_a_phone(wb):
    fig = trait_charts.by_trait(frame(wb, "trait"), narrow=True)
    assert all(len(line) <= 30 for line in fig.layout.annotations[0].text.split("<br>"))


def test_on_a_phone_goal_progress_uses_the_whole_width(wb):
    goal = wb.put("goal", {"title": "Lead the weekly stand-up meeting twice", "target_on": "2027-03-01"})
    for day in ("2026-11-02", "2026-11-09", "2026-11-20"):
        wb.put("step", {"goal_id": goal.entry_id, "kind": "step", "done_on": day, "text": "did it"})
    frames = frame(wb, "goal"), frame(wb, "step"), frame(wb, "celebration")

    fig = goal_charts.progress(*frames, narrow=True)

    assert fig.layout.yaxis.showticklabels is False  # the goal's name is above its row instead
    assert [a.y for a in fig.layout.annotations if a.yref == "y"] == [
        "Lead the weekly stand-up meeting twice"
    ]
    assert fig.layout.margin.l <= 12
    assert fig.layout.xaxis.nticks == 4
    assert fig.layout.legend.yref == "container"
    assert goal_charts.progress(*frames).layout.yaxis.showticklabels is None


def test_check_ins_on_one_day_get_distinct_times_on_the_axis(wb):
    for n in range(3):
        wb.put("checkin", {"ratings": {"sadness": 6 - n}})
    fig = emotion_charts.figure(frame(wb, "emotions"))

    assert fig.layout.xaxis.tickformat is None  # one fixed "28 Nov" for every tick no more
    stops = {tuple(s.dtickrange): s.value for s in fig.layout.xaxis.tickformatstops}
    under_a_day = stops[(None, emotion_charts.DAY_MS)]
    assert "%H:%M" in under_a_day  # ticks less than a day apart show the time
    assert stops[(emotion_charts.DAY_MS, None)] == "%-d %b"
    narrow = emotion_charts.figure(frame(wb, "emotions"), narrow=True)
    assert narrow.layout.legend.yref == "container" and narrow.layout.legend.orientation == "h"
    assert narrow.layout.xaxis.fixedrange and narrow.layout.yaxis.fixedrange
    # check-ins in one minute: one tick, its time said once (issue 21: not four times)
    ticks = list(narrow.layout.xaxis.ticktext)
    assert 1 <= len(ticks) <= 3 and len(set(ticks)) == len(ticks)


def test_the_practices_chart_puts_its_legend_below_on_a_phone(wb):
    wb.put("kind_act", {"text": "a walk", "done_on": "2026-11-20"})
    frames = {kind: frame(wb, kind) for kind in journey_charts.PRACTICES}
    labels = {kind: kind for kind in journey_charts.PRACTICES}
    assert journey_charts.figure(frames, labels, narrow=True).layout.legend.yref == "container"
    assert journey_charts.figure(frames, labels).layout.legend.yref is None


def test_narrow_labels_stay_text_not_markup(wb):
    xss = '<a href="https://example.org">click</a> and more words here'
    wb.put("trait", {"name": xss, "domain": "other", "rating": 2})
    spec = trait_charts.by_trait(frame(wb, "trait"), narrow=True).to_json()
    assert "<a href" not in spec and "&lt;a href" in spec


def test_wrap_breaks_between_words_only():
    assert wrap("a bb ccc dddd", 6) == "a bb<br>ccc<br>dddd"
    assert wrap("unbreakable-long-word", 5) == "unbreakable-long-word"


# -- ChartView: wide or narrow, as the browser measures ---------------------------------------
def _built(view) -> list:
    calls = []

    def make(*, narrow):
        calls.append(narrow)
        return trait_charts.by_trait(view.traits, narrow=narrow)

    return calls, make


def test_a_chart_waits_for_its_width_then_draws_the_layout_that_fits(wb):
    view = ChartView("Traits")
    view.traits = _traits(wb)
    calls, make = _built(view)

    view.draw(make, "summary")
    assert view.figure is not None  # built (tests and scripts can read it)...
    assert view.plot.spec == {}  # ...but not drawn before the browser says how wide

    view._message({"event": "width", "width": 340})  # a phone
    assert calls == [False, True]
    assert view.figure.layout.yaxis.showticklabels is False
    assert view.plot.spec["config"]["displayModeBar"] is False

    sent = []
    view.plot.observe(lambda change: sent.append(change["new"]), "spec")
    view._message({"event": "width", "width": 340})  # the same: nothing to redraw
    view._message({"event": "width", "width": NARROW_BELOW + 200})  # turned sideways: redrawn wide
    assert calls == [False, True, False]
    assert len(sent) == 1 and "displayModeBar" not in sent[0]["config"]


@pytest.mark.parametrize("width", ["340", True, -5, 10**9, None, [340]])
def test_a_width_from_the_page_is_checked_before_it_is_used(wb, width):
    view = ChartView("Traits")
    view.draw(trait_charts.by_trait(_traits(wb)), "summary")
    view._message({"event": "width", "width": width})
    assert view.width is None and view.plot.spec == {}


def test_a_finished_figure_is_drawn_as_it_is_at_any_width(wb):
    fig = trait_charts.by_trait(_traits(wb))
    view = ChartView("Traits")
    view._message({"event": "width", "width": 300})
    view.draw(fig, "summary")
    assert view.figure is fig and view.plot.spec["data"]


def test_the_page_gets_plotly_js_from_the_kernel_when_its_first_chart_needs_it(wb):
    """No network and no server route: the script comes over the page's own connection."""
    view = ChartView("Traits")
    sent = []
    view.plot.send = lambda content, buffers=None: sent.append((content, buffers))
    view._message({"event": "need-plotly"})
    [(content, [script])] = sent
    assert content == {"event": "plotly"}
    assert b"window.Plotly" in script and len(script) > 1_000_000


def test_the_page_gets_the_small_plotly_bundle_of_the_same_version_as_the_plotly_package():
    """The basic bundle (bars and lines) is ~1 MB against ~5 MB; it is only used when it is
    the plotly.js version the plotly package makes its figures for."""
    import plotly

    full = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    render.plotly_js.cache_clear()
    script = render.plotly_js()
    assert render._version(script) == render._version(full) is not None
    assert script == render.BASIC_BUNDLE.read_bytes() and len(script) < len(full) / 3


def test_a_plotly_package_of_another_plotly_js_version_gets_its_own_full_bundle(tmp_path, monkeypatch):
    other = tmp_path / "plotly-basic.min.js"
    other.write_bytes(b"/**\n* plotly.js (basic - minified) v0.0.1\n*/\nwindow.Plotly = {};")
    monkeypatch.setattr(render, "BASIC_BUNDLE", other)
    render.plotly_js.cache_clear()
    try:
        assert b"(basic" not in render.plotly_js()[:300] and len(render.plotly_js()) > 3_000_000
    finally:
        render.plotly_js.cache_clear()


# -- axes for one point, one day and one week (issue 21) -------------------------------------
def test_a_single_check_in_has_one_tick_saying_its_day_once_in_the_middle_of_a_day(wb):
    wb.put("checkin", {"ratings": {"sadness": 6, "anger": 3}})
    for narrow in (False, True):
        fig = emotion_charts.figure(frame(wb, "emotions"), narrow=narrow)
        axis = fig.layout.xaxis
        assert len(axis.tickvals) == 1 and len(axis.ticktext) == 1
        assert "<br>" not in axis.ticktext[0]  # the day alone: no time repeated
        start, end = (pd.Timestamp(v) for v in axis.range)
        assert end - start == pd.Timedelta(days=1)
        assert start < pd.Timestamp(axis.tickvals[0]) < end


def test_feelings_of_the_same_strength_in_one_check_in_stand_side_by_side(wb):
    wb.put("checkin", {"ratings": {"sadness": 5, "anger": 5, "shame": 5, "relief": 2}})
    fig = emotion_charts.figure(frame(wb, "emotions"))
    at_five = [pd.Timestamp(t.x[0]) for t in fig.data if t.y[0] == 5]
    assert len(at_five) == 3 and len(set(at_five)) == 3  # three marks, not one dot
    assert len({t.marker.symbol for t in fig.data}) == len(fig.data)  # and each its own shape
    lone = next(t for t in fig.data if t.y[0] == 2)
    assert pd.Timestamp(lone.x[0]) == sorted(at_five)[1]  # the one alone stays on its time


def test_one_week_of_practices_is_a_slim_bar_with_its_week_said_once(wb):
    wb.put("kind_act", {"text": "a walk", "done_on": "2026-11-18"})
    wb.put("kind_act", {"text": "a bath", "done_on": "2026-11-20"})
    frames = {kind: frame(wb, kind) for kind in journey_charts.PRACTICES}
    labels = {kind: kind for kind in journey_charts.PRACTICES}
    for narrow in (False, True):
        fig = journey_charts.figure(frames, labels, narrow=narrow)
        axis = fig.layout.xaxis
        assert list(axis.ticktext) == ["16 Nov"]  # the week's Monday, once
        start, end = (pd.Timestamp(v) for v in axis.range)
        assert end - start >= pd.Timedelta(weeks=4)  # a bar about a week wide, not the plot's width
        width = pd.Timedelta(milliseconds=fig.data[0].width)
        assert pd.Timedelta(days=3) <= width <= pd.Timedelta(days=6)


def test_many_weeks_of_practices_get_few_ticks(wb):
    for week in range(12):
        wb.put("kind_act", {"text": "a walk", "done_on": str(dt.date(2026, 9, 7) + dt.timedelta(weeks=week))})
    frames = {kind: frame(wb, kind) for kind in journey_charts.PRACTICES}
    labels = {kind: kind for kind in journey_charts.PRACTICES}
    narrow = journey_charts.figure(frames, labels, narrow=True).layout.xaxis
    assert 2 <= len(narrow.tickvals) <= 4 and len(set(narrow.ticktext)) == len(narrow.ticktext)
    wide = journey_charts.figure(frames, labels).layout.xaxis
    assert len(wide.tickvals) <= 8


def test_goal_names_keep_to_a_column_and_marks_on_one_day_stand_apart(wb):
    long = "Ask my manager for honest feedback on the presentation before the next review"
    goal = wb.put("goal", {"title": long})
    for text in ("asked", "listened", "wrote it down"):
        wb.put("step", {"goal_id": goal.entry_id, "kind": "step", "done_on": "2026-11-20", "text": text})
    wb.put("celebration", {"goal_id": goal.entry_id, "accomplishment": "did it", "done_on": "2026-11-20"})
    frames = frame(wb, "goal"), frame(wb, "step"), frame(wb, "celebration")
    fig = goal_charts.progress(*frames)
    assert fig.data[0].y[0] == long  # the row is the goal (its hover says it in full)...
    (label,) = fig.layout.yaxis.ticktext  # ...and its name beside the row a short column
    assert max(len(line) for line in label.split("<br>")) <= goal_charts.LABEL_CHARS
    assert label.count("<br>") == goal_charts.LABEL_LINES - 1 and label.endswith("…")
    marks = [pd.Timestamp(x) for trace in fig.data for x in trace.x]
    assert len(set(marks)) == len(marks) == 4  # four marks on one day: side by side
    assert max(marks) - min(marks) < pd.Timedelta(days=2)


def test_ticks_too_close_to_read_side_by_side_are_left_out():
    days = [
        dt.datetime(2026, 10, 24, 9),
        dt.datetime(2026, 10, 28, 9),
        dt.datetime(2026, 12, 6, 9),
    ]
    axis = emotion_charts.time_axis(pd.Series(days))
    assert len(axis["tickvals"]) == 2 and axis["ticktext"][-1] == "6 Dec"  # 28 Oct too near 24 Oct
    wide_apart = emotion_charts.time_axis(pd.Series(days[:2]))
    assert len(wide_apart["tickvals"]) == 2


def test_a_very_long_goal_name_is_cut_between_words_with_an_ellipsis(wb):
    title = "Practise saying no kindly " * 7
    goal = wb.put("goal", {"title": title.strip()})
    wb.put("step", {"goal_id": goal.entry_id, "kind": "step", "done_on": "2026-11-20", "text": "did it"})
    rows = goal_charts.goal_rows(frame(wb, "goal"))
    label = rows[0][1]
    assert label.endswith("…") and len(label) <= goal_charts.TITLE_CHARS
    assert label[:-1].split(" ")[-1] in title.split()  # the last word whole
