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
import re

import plotly.graph_objects as go

from .. import content, formats
from .render import CALM_LAYOUT, EMPTY_WRAP, NEUTRAL, STRENGTH, labels_above, legend_below, wrap
from .traits import count

CHANCE = "#009E73"  # Okabe-Ito bluish green
CELEBRATION = "#E69F00"  # Okabe-Ito orange
HOVER_CHARS = 80
HOVER_LINE = 28  # a hover label's line, in characters: on a 390 px phone one long line runs off both edges
NARROW_BOTTOM = 100  # px under a phone's plot: the dates, then the legend (two rows)
# Beside the rows (a wide screen), a goal's name is a column of at most LABEL_LINES lines of
# about LABEL_CHARS characters, cut with "…": the days get the width, not the names.
LABEL_CHARS = 24
TITLE_CHARS = 120  # a goal's name on the chart (its row, its hover) at most this long
LABEL_LINES = 3
LINE_PX = 19  # px a line of a name beside its row takes
DODGE = 0.035  # of the time axis's span between marks on one goal's row on one day


def column_label(label: str) -> str:
    """A goal's name (plotly-safe text) wrapped into a short column beside its row; the end
    that tells two goals apart (" (2)") or says it is done (" ✓") is kept after any cut."""
    tail = ""
    while True:
        found = re.search(r" (\(\d+\)|✓)$", label)
        if not found:
            break
        tail, label = found.group(0) + tail, label[: found.start()]
    words = [w if len(w) <= LABEL_CHARS else w[: LABEL_CHARS - 1] + "…" for w in label.split(" ")]
    lines = wrap(" ".join(words), LABEL_CHARS).split("<br>")
    if len(lines) > LABEL_LINES:
        last = lines[LABEL_LINES - 1]
        lines = lines[: LABEL_LINES - 1] + [last[: LABEL_CHARS - 1].rstrip() + "…"]
    if tail and len(lines[-1]) + len(tail) > LABEL_CHARS:
        lines.append(tail.strip())
    elif tail:
        lines[-1] += tail
    return "<br>".join(lines)


def dodged(points: list[tuple], step: dt.timedelta) -> list[tuple]:
    """Marks on one row on one day set side by side, `step` apart around noon of that day
    (a lone mark keeps its day). `points` are (day, row, ...) in the order drawn."""
    together: dict[tuple, int] = {}
    for p in points:
        together[(p[0], p[1])] = together.get((p[0], p[1]), 0) + 1
    seen: dict[tuple, int] = {}
    placed = []
    for p in points:
        key = (p[0], p[1])
        k = together[key]
        if k == 1:
            placed.append(p)
            continue
        n = seen[key] = seen.get(key, -1) + 1
        noon = dt.datetime.combine(p[0], dt.time(12))
        placed.append((noon + step * (n - (k - 1) / 2), *p[1:]))
    return placed


def _words() -> dict:
    return content.text("grow")["chart"]


def _short(text) -> str:
    """A step's words for its hover label: at most HOVER_CHARS, in lines of about HOVER_LINE,
    a longer cut marked "…" (and a word longer than a line, an address say, cut the same way)."""
    text = " ".join(str(text).split()) if _present(text) else ""
    text = text[:HOVER_CHARS] + ("…" if len(text) > HOVER_CHARS else "")
    words = [w if len(w) <= HOVER_LINE else w[: HOVER_LINE - 1] + "…" for w in text.split(" ")]
    return wrap(html.escape(" ".join(words)), HOVER_LINE)


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
        words = " ".join(str(g.title).split())
        if len(words) > TITLE_CHARS:  # cut with "…", never mid-word without a sign
            words = words[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
        title = html.escape(words, quote=False)  # text, not markup
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
                customdata=[formats.day(p[3] if len(p) > 3 else p[0]) for p in points],
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": size,
                    "line": {"color": "#333333", "width": 1},
                },
                hovertemplate="%{customdata} · " + name + "<br>%{y}<br>%{text}<extra></extra>",
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

    days = [p[0] for p in step_points["step"] + step_points["chance taken"] + cheers + targets]
    start, end = min(days) - dt.timedelta(days=2), max(days) + dt.timedelta(days=2)
    # marks on one row on one day side by side, not on top of each other
    kinds = [step_points["step"], step_points["chance taken"], cheers, targets]
    every = dodged([p + (p[0], n) for n, points in enumerate(kinds) for p in points], (end - start) * DODGE)
    step_points["step"], step_points["chance taken"], cheers, targets = (
        [p[:-1] for p in every if p[-1] == n] for n in range(len(kinds))
    )
    add(t["steps"], STRENGTH, "circle", step_points["step"])
    add(t["chances"], CHANCE, "diamond", step_points["chance taken"])
    add(t["celebrations"], CELEBRATION, "star", cheers, size=18)
    add(t["targets"], NEUTRAL, "line-ns-open", targets, size=20)
    # beside the rows (a wide screen) each name is a short column of its own (column_label);
    # on a phone the names go above the rows (labels_above)
    shown = [column_label(label) for label in labels]
    name_lines = 1 if narrow else max([label.count("<br>") + 1 for label in shown] or [1])
    fig.update_layout(
        height=max(230, 150 + max(46, 12 + LINE_PX * name_lines) * len(labels)),
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
            "tickmode": "array",
            "tickvals": labels,
            "ticktext": shown,
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
