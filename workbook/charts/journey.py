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
    fig.update_xaxes(tickformat=content.text("charts")["axis"]["day"], fixedrange=True)
    fig.update_yaxes(
        title_text=t["y_title"], dtick=1, gridcolor="#e6e6e6", fixedrange=True, rangemode="tozero"
    )
    if narrow:
        legend_below(fig, bottom=NARROW_BOTTOM)
        fig.update_layout(height=height + 40, margin={"l": 44, "r": 12, "t": 12}, dragmode=False)
        fig.update_xaxes(nticks=4)
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
