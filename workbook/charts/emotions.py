"""How each feeling moved over every check-in: a line chart and the same story in words.

Pure functions: a frame in (`workbook.frames.emotions`), a figure and a summary out.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import pandas as pd

from .. import content, formats
from .render import CALM_LAYOUT, legend_below

# Okabe-Ito colours (safe for colour-blind eyes), each line also has its own dash.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D31")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash")
MAX_LINES = len(COLOURS)
# Tick labels of a time axis: the day, and the time too when ticks are less than a day
# apart (check-ins on one day would otherwise all read "28 Nov").
DAY_MS = 86_400_000


def time_ticks() -> list[dict]:
    """Date ticks for a time axis, in the formats of the person's language (charts.toml)."""
    axis = content.text("charts")["axis"]
    return [
        {"dtickrange": [None, DAY_MS], "value": axis["time_day"]},
        {"dtickrange": [DAY_MS, None], "value": axis["day"]},
    ]


NARROW_BOTTOM = 110  # px under a phone's plot: the dates, then the legend
# A mark of its own per feeling too, so feelings named at the same strength in one check-in
# stay apart (they are also set side by side: `dodged`), and colour is never the only clue.
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "pentagon", "hexagon", "star")
FEW_TICKS = 8  # up to this many check-in times (4 on a phone), each gets its own tick
DODGE = 0.025  # of the time axis's span between marks of the same strength at the same time
TICK_GAP = 0.09  # of the axis's span: the least room between two ticks' words (0.2 on a phone)
TICK_GAP_NARROW = 0.2


def time_axis(times, *, narrow: bool = False) -> dict:
    """The x axis for check-ins at `times` (naive local datetimes): with few of them, one tick
    at each, each said once — its day, and its time too when two fall on one day — and a
    single check-in in the middle of a day either side; otherwise plotly's own ticks.
    Returns the axis settings (range, tickvals, ticktext) and `span` (a Timedelta)."""
    distinct = sorted({pd.Timestamp(t) for t in times})
    if not distinct:
        return {"span": pd.Timedelta(days=1)}
    first, last = distinct[0], distinct[-1]
    span = max(last - first, pd.Timedelta(days=1))
    axis: dict = {"span": span}
    if last - first < pd.Timedelta(days=1):  # one day: the day around it
        middle = first + (last - first) / 2
        axis["range"] = [middle - pd.Timedelta(hours=12), middle + pd.Timedelta(hours=12)]
    else:
        pad = span * 0.08
        axis["range"] = [first - pad, last + pad]
    one_day = len({t.date() for t in distinct}) < len(distinct)
    ticks: dict[str, pd.Timestamp] = {}  # each tick's words once (check-ins in one minute: one)
    for t in distinct:
        ticks.setdefault((f"{t:%H:%M}<br>" if one_day else "") + formats.short_day(t.date()), t)
    if len(ticks) <= (FEW_TICKS // 2 if narrow else FEW_TICKS):
        # ticks too close to read side by side (two check-ins days apart on a long axis) are
        # left to the marks and the hover: the labels would otherwise turn on their side
        gap = (axis["range"][1] - axis["range"][0]) * (TICK_GAP_NARROW if narrow else TICK_GAP)
        kept: dict[str, pd.Timestamp] = {}
        for words, at in ticks.items():
            if not kept or at - list(kept.values())[-1] >= gap:
                kept[words] = at
        axis["tickvals"] = list(kept.values())
        axis["ticktext"] = list(kept)
    return axis


def dodged(points: list[tuple[str, pd.Timestamp, int, str]], step: pd.Timedelta) -> dict:
    """Where each mark goes along the time axis: `points` are (feeling, time, strength, check-in);
    marks of the same strength in the same check-in are set side by side, `step` apart,
    around their time. Returns {(feeling, check-in): time}."""
    groups: dict[tuple, list[str]] = {}
    for emotion, _at, strength, entry in points:
        groups.setdefault((entry, strength), []).append(emotion)
    placed = {}
    for emotion, at, strength, entry in points:
        alike = groups[(entry, strength)]
        offset = alike.index(emotion) - (len(alike) - 1) / 2
        placed[(emotion, entry)] = at + step * offset
    return placed


@dataclass(frozen=True)
class Move:
    """How one feeling moved: its first and latest strength (0-10) and when."""

    emotion: str
    first: int
    first_at: dt.datetime
    last: int
    last_at: dt.datetime
    times: int  # in how many check-ins it was named

    @property
    def change(self) -> int:
        return self.last - self.first


def local_times(stamps: pd.Series) -> pd.Series:
    """UTC times as naive local times (what the person's clock said)."""
    zone = dt.datetime.now().astimezone().tzinfo
    return stamps.dt.tz_convert(zone).dt.tz_localize(None)


def _day(stamp) -> str:
    return formats.short_day(pd.Timestamp(stamp).date())


def moves(emotions: pd.DataFrame) -> list[Move]:
    """Every feeling named in a check-in, most present first (how often, then how strong)."""
    if emotions.empty:
        return []
    df = emotions.assign(at=local_times(emotions["checked_at"])).sort_values("at", kind="stable")
    found = []
    for emotion, rows in df.groupby("emotion", sort=False):
        found.append(
            Move(
                str(emotion),
                int(rows["intensity"].iloc[0]),
                rows["at"].iloc[0],
                int(rows["intensity"].iloc[-1]),
                rows["at"].iloc[-1],
                int(rows["entry_id"].nunique()),
            )
        )
    peak = df.groupby("emotion")["intensity"].max()
    return sorted(found, key=lambda m: (-m.times, -int(peak[m.emotion]), m.emotion))


def checkin_count(emotions: pd.DataFrame) -> int:
    return 0 if emotions.empty else int(emotions["entry_id"].nunique())


def summary(emotions: pd.DataFrame, limit: int = MAX_LINES) -> str:
    """The chart in plain words: how many check-ins, and how each feeling moved."""
    t = _words()
    count = checkin_count(emotions)
    if count == 0:
        return t["none"]
    parts = []
    for m in moves(emotions)[:limit]:
        feeling = content.emotion_label(m.emotion)
        if m.times == 1:
            parts.append(t["once"].format(feeling=feeling, last=m.last, day=_day(m.last_at)))
        else:
            parts.append(
                t["moved"].format(
                    feeling=feeling,
                    first=m.first,
                    first_day=_day(m.first_at),
                    last=m.last,
                    last_day=_day(m.last_at),
                )
            )
    more = len(moves(emotions)) - limit
    return t["summary"].format(
        checkins=formats.plural(t["checkins"], count),
        moves="; ".join(parts),
        more=formats.plural(t["more"], more) if more > 0 else "",
    )


def _words() -> dict:
    return content.text("charts")["emotions"]


def figure(emotions: pd.DataFrame, *, limit: int = MAX_LINES, height: int = 380, narrow: bool = False):
    """A line per feeling (the `limit` most present), strength 0-10 at each check-in.

    Returns None when there are no check-ins yet. `narrow` (a phone): the legend below,
    fewer ticks, nothing to drag.
    """
    import plotly.graph_objects as go

    if emotions.empty:
        return None
    df = emotions.assign(at=local_times(emotions["checked_at"])).sort_values("at", kind="stable")
    t = _words()
    chosen = [m.emotion for m in moves(emotions)[:limit]]
    fig = go.Figure()
    shown = df[df["emotion"].isin(chosen)]
    axis = time_axis(shown["at"], narrow=narrow)
    placed = dodged(
        [(str(r.emotion), r.at, int(r.intensity), str(r.entry_id)) for r in shown.itertuples(index=False)],
        axis.pop("span") * DODGE,
    )
    for n, emotion in enumerate(chosen):
        rows = df[df["emotion"] == emotion]
        stage = rows["stage"].fillna(1).astype(int).astype(str)
        days = [formats.day(at.date()) for at in rows["at"]]  # in the person's language
        fig.add_trace(
            go.Scatter(
                x=[placed[(emotion, str(entry))] for entry in rows["entry_id"]],
                y=rows["intensity"].astype(int),
                name=html.escape(
                    content.emotion_label(emotion), quote=False
                ),  # the person's own words are text, not markup
                mode="lines+markers",
                line={"color": COLOURS[n], "dash": DASHES[n], "width": 2.5},
                marker={"size": 10, "symbol": SYMBOLS[n], "line": {"color": "white", "width": 1}},
                customdata=list(zip(days, stage, strict=True)),
                hovertemplate=t["hover"] + "<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        **CALM_LAYOUT,
        legend={"title": {"text": t["legend"]}},
        hovermode="closest",
    )
    fig.update_yaxes(range=[-0.5, 10.5], dtick=2, title_text=t["y_title"], gridcolor="rgba(128,128,128,0.25)")
    fig.update_xaxes(
        title_text=t["x_title"], gridcolor="rgba(128,128,128,0.15)", tickformatstops=time_ticks()
    )
    if "tickvals" in axis:
        fig.update_xaxes(tickmode="array", tickvals=axis["tickvals"], ticktext=axis["ticktext"])
    fig.update_xaxes(range=axis["range"])
    if narrow:
        legend_below(fig, bottom=NARROW_BOTTOM)
        fig.update_layout(
            height=height + NARROW_BOTTOM,
            margin={"l": 44, "r": 12, "t": 12},
            dragmode=False,
            legend_title_text="",  # the feelings side by side, two or three to a row
        )
        fig.update_xaxes(title_text="", fixedrange=True)
        if "tickvals" not in axis:
            fig.update_xaxes(nticks=4)
        fig.update_yaxes(fixedrange=True, title_text="0–10")
    return fig
