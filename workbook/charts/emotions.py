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
    for n, emotion in enumerate(chosen):
        rows = df[df["emotion"] == emotion]
        stage = rows["stage"].fillna(1).astype(int).astype(str)
        days = [formats.day(at.date()) for at in rows["at"]]  # in the person's language
        fig.add_trace(
            go.Scatter(
                x=rows["at"],
                y=rows["intensity"].astype(int),
                name=html.escape(
                    content.emotion_label(emotion), quote=False
                ),  # the person's own words are text, not markup
                mode="lines+markers",
                line={"color": COLOURS[n], "dash": DASHES[n], "width": 2.5},
                marker={"size": 9},
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
    if narrow:
        legend_below(fig, bottom=NARROW_BOTTOM)
        fig.update_layout(
            height=height + NARROW_BOTTOM,
            margin={"l": 44, "r": 12, "t": 12},
            dragmode=False,
            legend_title_text="",  # the feelings side by side, two or three to a row
        )
        fig.update_xaxes(nticks=4, title_text="", fixedrange=True)
        fig.update_yaxes(fixedrange=True, title_text="0–10")
    return fig
