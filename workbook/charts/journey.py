"""The dashboard's healing-practices chart: how many practices were done each week.

Pure functions over the workbook's frames (`workbook.frames.all_frames`).
"""

from __future__ import annotations

import pandas as pd

from .. import content, formats
from .emotions import COLOURS, local_times
from .render import CALM_LAYOUT, legend_below

# kind -> the frame column that says when it was done (None: when it was written down)
PRACTICES = {
    "kind_act": "done_on",
    "compassion_pause": None,
    "letter": None,
    "process_log": "done_on",
    "writing_session": None,
}


def practice_days(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per practice done: kind and day (a naive date, local for written-down times)."""
    rows = []
    for kind, column in PRACTICES.items():
        df = frames.get(kind)
        if df is None or df.empty:
            continue
        days = local_times(df["created_at"]) if column is None else df[column]
        rows.append(pd.DataFrame({"kind": kind, "day": days.dt.normalize()}))
    if not rows:
        return pd.DataFrame({"kind": pd.Series(dtype="string"), "day": pd.Series(dtype="datetime64[us]")})
    return pd.concat(rows, ignore_index=True).dropna()


def weekly(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Practices per week (weeks start on Monday): a row per week, a column per kind."""
    days = practice_days(frames)
    if days.empty:
        return pd.DataFrame()
    week = days["day"] - pd.to_timedelta(days["day"].dt.day_of_week, unit="D")
    table = days.assign(week=week).pivot_table(index="week", columns="kind", aggfunc="size", fill_value=0)
    full = pd.date_range(table.index.min(), table.index.max(), freq="7D")
    return table.reindex(full, fill_value=0)


NARROW_BOTTOM = 130  # px under a phone's plot: the weeks, then the legend (up to three rows)
WEEK = pd.Timedelta(weeks=1)
BAR_WIDTH = pd.Timedelta(days=5)  # a week's bar, with a gap to the next
MIN_WEEKS = 4  # the axis spans at least this many weeks: one week is a bar, not the whole plot


def week_axis(weeks: pd.DatetimeIndex, *, narrow: bool = False) -> dict:
    """The x axis for bars at `weeks` (their Mondays): a tick under each week — every second,
    third... when there are many — each saying its Monday once, and a span of at least
    MIN_WEEKS weeks around them."""
    most = 4 if narrow else 8
    every = -(-len(weeks) // most)  # ceiling
    shown = list(weeks[::every])
    first, last = weeks.min(), weeks.max()
    spare = max(pd.Timedelta(0), MIN_WEEKS * WEEK - (last - first + WEEK)) / 2
    return {
        "type": "date",
        "tickmode": "array",
        "tickvals": shown,
        "ticktext": [formats.short_day(week.date()) for week in shown],
        "range": [first - WEEK / 2 - spare, last + WEEK / 2 + spare],
        "fixedrange": True,
    }


def figure(
    frames: dict[str, pd.DataFrame], labels: dict[str, str], *, height: int = 340, narrow: bool = False
):
    """Stacked bars: practices per week, one colour per kind; None when there are none.

    `labels` maps each kind to the plural words shown in the legend. `narrow` (a phone):
    the legend below, fewer ticks.
    """
    import plotly.graph_objects as go

    t = _words()
    table = weekly(frames)
    if table.empty:
        return None
    fig = go.Figure()
    for n, kind in enumerate(PRACTICES):
        if kind not in table:
            continue
        fig.add_trace(
            go.Bar(
                x=table.index,
                y=table[kind],
                name=labels.get(kind, kind),
                width=BAR_WIDTH.total_seconds() * 1000,  # ms on a date axis
                marker={"color": COLOURS[n], "line": {"color": "#333333", "width": 0.5}},
                customdata=[formats.short_day(week.date()) for week in table.index],
                hovertemplate=t["hover"] + "<extra>" + labels.get(kind, kind) + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        height=height,
        **CALM_LAYOUT,
        margin={"l": 50, "r": 20, "t": 80, "b": 40},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
            "traceorder": "normal",
        },
    )
    fig.update_xaxes(**week_axis(table.index, narrow=narrow))
    fig.update_yaxes(
        title_text=t["y_title"], dtick=1, gridcolor="#e6e6e6", fixedrange=True, rangemode="tozero"
    )
    if narrow:
        legend_below(fig, bottom=NARROW_BOTTOM)
        fig.update_layout(height=height + 40, margin={"l": 44, "r": 12, "t": 12}, dragmode=False)
    return fig


def summary(frames: dict[str, pd.DataFrame], forms: dict[str, dict]) -> str:
    """The chart in words: how many of each practice, over how many weeks.

    `forms` maps each kind to its counted words (a plural table, `formats.plural`)."""
    t = _words()
    table = weekly(frames)
    if table.empty:
        return t["none"]
    parts = [
        formats.plural(forms.get(kind, kind), int(table[kind].sum())) for kind in PRACTICES if kind in table
    ]
    return formats.plural(t["weeks"], len(table), parts=", ".join(parts))


def _words() -> dict:
    return content.text("charts")["practices"]
