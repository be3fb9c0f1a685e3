"""Stage 3's picture: progress per growth goal over time.

`progress(goals, steps, celebrations)` takes the `goal`, `step` and `celebration` frames
(`frames.frame(wb, ...)`) and returns a complete `go.Figure`: one row per goal, every step, chance
taken and celebration as a mark on its day, on one shared time axis, with the goal's
target date as a hollow tick. Celebrations not tied to a goal get a row of their own.
`progress_summary` says the same in plain words. Both are pure.
"""

from __future__ import annotations

import datetime as dt
import html

import plotly.graph_objects as go

from .. import content, formats
from .render import CALM_LAYOUT, EMPTY_WRAP, NEUTRAL, STRENGTH, labels_above, legend_below, wrap
from .traits import count

CHANCE = "#009E73"  # Okabe-Ito bluish green
CELEBRATION = "#E69F00"  # Okabe-Ito orange
HOVER_CHARS = 80
NARROW_BOTTOM = 100  # px under a phone's plot: the dates, then the legend (two rows)


def _words() -> dict:
    return content.text("grow")["chart"]


def _short(text) -> str:
    text = " ".join(str(text).split()) if _present(text) else ""
    return html.escape(text[:HOVER_CHARS] + ("…" if len(text) > HOVER_CHARS else ""))


def _day(value) -> dt.date | None:
    if value is None or str(value) in ("NaT", "<NA>", "nan", "None"):
        return None
    if hasattr(value, "date"):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _present(value) -> bool:
    return value is not None and str(value) not in ("<NA>", "nan", "None", "")


def step_tally(kinds) -> tuple[int, int]:
    """(steps, chances taken) from the kinds of one goal's steps.

    The one counting rule shared by the chart's summary and the Journey page's goal list.
    """
    kinds = [str(k) for k in kinds]
    chances = sum(1 for k in kinds if k == "chance taken")
    return len(kinds) - chances, chances


def steps_phrase(kinds) -> str:
    """'2 steps and 1 chance taken' (or 'no steps and no chances taken') for one goal."""
    words = content.text("grow")["goals"]
    n_steps, n_chances = step_tally(kinds)
    return _words()["steps_phrase"].format(
        steps=count(n_steps, words["step_word"]), chances=count(n_chances, words["chance_word"])
    )


def goal_rows(goals) -> list[tuple[str, str, bool]]:
    """(entry_id, unique label, done) per goal in the order they were made; a done goal's
    label ends with ✓."""
    t = _words()
    seen: dict[str, int] = {}
    rows = []
    for g in goals.itertuples(index=False):
        done = _present(g.done) and bool(g.done)
        title = html.escape(" ".join(str(g.title).split())[:60], quote=False)  # text, not markup
        base = title + (f" {t['done_mark']}" if done else "")
        seen[base] = seen.get(base, 0) + 1
        label = base if seen[base] == 1 else f"{base} ({seen[base]})"
        rows.append((str(g.entry_id), label, done))
    return rows


def progress(goals, steps, celebrations, *, narrow: bool = False) -> go.Figure:
    """Steps, chances taken and celebrations per goal on one time axis.

    Traces (only those with points): 'Steps' (circles), 'Chances taken' (diamonds),
    'Celebrations' (stars), 'Target dates' (hollow ticks); y is the goal's label, x the day.
    Entries whose goal was removed are left out.
    `narrow` (a phone): each goal's name above its row, the full width for the days, fewer
    date ticks, the legend below.
    """
    t = _words()
    rows = goal_rows(goals)
    label_of = {entry_id: label for entry_id, label, _done in rows}
    labels = [label for _id, label, _done in rows]
    fig = go.Figure()

    def add(name, colour, symbol, points, size=13):
        if not points:
            return
        fig.add_trace(
            go.Scatter(
                name=name,
                mode="markers",
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                text=[p[2] for p in points],
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": size,
                    "line": {"color": "#333333", "width": 1},
                },
                hovertemplate="%{x|%-d %b %Y} · %{y}<br>%{text}<extra>" + name + "</extra>",
            )
        )

    step_points: dict[str, list] = {"step": [], "chance taken": []}
    for s in steps.itertuples(index=False):
        goal = label_of.get(str(s.goal_id))
        day = _day(s.done_on)
        if goal is None or day is None:
            continue
        step_points.get(str(s.kind), step_points["step"]).append((day, goal, _short(s.text)))
    other = t["other_row"]
    cheers = []
    for c in celebrations.itertuples(index=False):
        day = _day(c.done_on)
        if day is None:
            continue
        if _present(c.goal_id):
            goal = label_of.get(str(c.goal_id))
            if goal is None:
                continue
        else:
            goal = other
        how = _short(c.how)
        cheers.append((day, goal, _short(c.accomplishment) + (f"<br>{how}" if how else "")))
    if any(c[1] == other for c in cheers):
        labels.append(other)
    targets = []
    for g in goals.itertuples(index=False):
        day = _day(g.target_on)
        if day is not None:
            targets.append((day, label_of[str(g.entry_id)], t["target_hover"]))

    if not (step_points["step"] or step_points["chance taken"] or cheers or targets):
        fig.update_layout(
            height=170,
            **CALM_LAYOUT,
            margin={"l": 10, "r": 10, "t": 20, "b": 20},
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[
                {
                    "text": wrap(t["empty"] if rows else t["no_goals"], EMPTY_WRAP if narrow else 200),
                    "showarrow": False,
                    "x": 0.5,
                    "y": 0.5,
                    "xref": "paper",
                    "yref": "paper",
                }
            ],
        )
        return fig

    add(t["steps"], STRENGTH, "circle", step_points["step"])
    add(t["chances"], CHANCE, "diamond", step_points["chance taken"])
    add(t["celebrations"], CELEBRATION, "star", cheers, size=18)
    add(t["targets"], NEUTRAL, "line-ns-open", targets, size=20)
    days = [p[0] for p in step_points["step"] + step_points["chance taken"] + cheers + targets]
    start, end = min(days) - dt.timedelta(days=2), max(days) + dt.timedelta(days=2)
    fig.update_layout(
        height=max(230, 150 + 46 * len(labels)),
        **CALM_LAYOUT,
        margin={"l": 10, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        xaxis={
            "type": "date",
            "range": [start.isoformat(), end.isoformat()],
            "gridcolor": "#e6e6e6",
            "tickformat": content.text("charts")["axis"]["day"],
            "fixedrange": True,
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
            "automargin": True,
            "gridcolor": "#eeeeee",
            "fixedrange": True,
        },
    )
    if narrow:
        row, top = labels_above(fig, labels, mark=20)
        legend_below(fig, bottom=NARROW_BOTTOM)
        fig.update_layout(
            height=NARROW_BOTTOM + top + 8 + row * len(labels),
            margin={"l": 12, "r": 12, "t": top + 8},
            dragmode=False,
        )
        fig.update_xaxes(nticks=4, automargin=True, tickfont={"size": 13})
    return fig


def progress_summary(goals, steps, celebrations) -> str:
    """Per goal: how many steps, chances and celebrations, and when the last one was."""
    t = _words()
    words = content.text("grow")["goals"]
    rows = goal_rows(goals)
    if not rows:
        return t["no_goals"]
    parts = []
    for entry_id, label, done in rows:
        mine = [s for s in steps.itertuples(index=False) if str(s.goal_id) == entry_id]
        cheers = [c for c in celebrations.itertuples(index=False) if str(c.goal_id) == entry_id]
        n_steps, n_chances = step_tally(s.kind for s in mine)
        days = [d for d in (_day(x.done_on) for x in mine + cheers) if d is not None]
        last = t["summary_last"].format(day=formats.day(max(days))) if days else ""
        parts.append(
            t["summary_goal"].format(
                goal=label.removesuffix(f" {t['done_mark']}"),
                steps=count(n_steps, words["step_word"]),
                chances=count(n_chances, words["chance_word"]),
                celebrations=count(len(cheers), words["celebration_word"]),
                last=last,
                done=t["summary_done"] if done else "",
            )
        )
    loose = sum(1 for c in celebrations.itertuples(index=False) if not _present(c.goal_id))
    if loose:
        parts.append(t["summary_other"].format(count=count(loose, words["celebration_word"])))
    return " ".join(" ".join(p.split()) for p in parts)
