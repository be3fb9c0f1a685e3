"""The patterns page's pictures: each rejection side by side (see `workbook.patterns`).

`feelings` shows, per rejection, how heavy the hard feelings were at the first check-in and
at the last (0-10), joined by a line: a line going left is feelings that eased. `traits`
shows each trait rated in two or more rejections, its rating in each (-3..+3), strengths in
the app's blue and weaknesses in its vermillion, ◆ where the person marked it as part of the
reason. Both are pure: a frame in, a complete figure out; `*_summary` says the same in words.
"""

from __future__ import annotations

import html
import itertools

import plotly.graph_objects as go

from .. import content, formats
from ..model import TRAIT_SCALE
from ..patterns import AGAIN, Patterns, eased
from .render import CALM_LAYOUT, NEUTRAL, STRENGTH, WEAKNESS, wrap

MARK = "◆"
# one shape per rejection, so two rejections at the same rating stay told apart without colour
SYMBOLS = ("circle", "square", "triangle-up", "pentagon", "hexagon", "star", "cross", "x")
ROW = 44
NAME_WRAP = 18
AXIS_WRAP = 24  # a phone's axis title, in characters a line
DODGE = 0.44  # how far apart (in rows) the first and the last rejection's marks sit


def _oldest_first(df, found: Patterns):
    """`df`'s rows in the order of the rejections (oldest first), by its `workbook` column."""
    rank = {name: n for n, name in enumerate(found.rejections["workbook"])}
    return df.iloc[df["workbook"].map(rank).argsort(kind="stable")]


def _axis_title(text: str, narrow: bool) -> str:
    return wrap(text, AXIS_WRAP) if narrow else text


def _words() -> dict:
    return content.text("patterns")


def _layout(fig: go.Figure, rows: int, *, narrow: bool, row: int = ROW) -> None:
    fig.update_layout(
        height=(170 if narrow else 120) + row * max(rows, 1),
        margin={"l": 8 if narrow else 10, "r": 16, "t": 40, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        **CALM_LAYOUT,
    )
    if narrow:
        fig.update_layout(dragmode=False)


def feelings(found: Patterns, *, narrow: bool = False) -> go.Figure:
    """First against last check-in, one row per rejection with two or more check-ins."""
    t = _words()
    feel = eased(found)
    order = [name for name in found.rejections["workbook"] if name in set(feel.get("workbook", []))]
    feel = feel.set_index("workbook").loc[order] if len(feel) else feel
    names = [wrap(html.escape(name), NAME_WRAP) for name in order]
    fig = go.Figure()
    for name, row in zip(names, feel.itertuples(), strict=True):
        fig.add_trace(
            go.Scatter(
                x=[row.first_weight, row.last_weight],
                y=[name, name],
                mode="lines",
                line={"color": NEUTRAL, "width": 3},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    if len(feel):
        for column, label, symbol, colour in (
            ("first_weight", t["first"], "circle-open", WEAKNESS),
            ("last_weight", t["last"], "circle", STRENGTH),
        ):
            fig.add_trace(
                go.Scatter(
                    x=list(feel[column]),
                    y=names,
                    mode="markers",
                    name=label,
                    marker={
                        "size": 14,
                        "symbol": symbol,
                        "color": colour,
                        "line": {"width": 2, "color": colour},
                    },
                    hovertemplate=f"{label}: %{{x:.1f}}<extra>%{{y}}</extra>",
                )
            )
    _layout(fig, len(order), narrow=narrow)
    fig.update_layout(
        xaxis={
            "range": [-0.3, 10.3],
            "dtick": 2,
            "title": {"text": _axis_title(t["weight_axis"], narrow)},
            "fixedrange": True,
        },
        yaxis={"autorange": "reversed", "fixedrange": True, "automargin": True},
    )
    return fig


def feelings_summary(found: Patterns) -> str:
    t = _words()
    feel = eased(found)
    if not len(feel):
        return t["feelings_none"]
    feel = _oldest_first(feel, found)
    parts = [
        t["feelings_row"].format(
            name=row.workbook,
            first=formats.number(round(row.first_weight, 1)),
            last=formats.number(round(row.last_weight, 1)),
        )
        for row in feel.itertuples()
    ]
    return " ".join(parts)


def _repeated(found: Patterns):
    """The ratings of traits rated in AGAIN or more rejections, oldest rejection first."""
    traits = _oldest_first(found.traits.dropna(subset=["rating"]), found)
    seen = traits.groupby("trait")["workbook"].nunique()
    return traits[traits["trait"].isin(seen[seen >= AGAIN].index)]


def traits(found: Patterns, *, narrow: bool = False) -> go.Figure:
    """Each trait rated in AGAIN or more rejections: its rating in each, in the app's colours."""
    t = _words()
    repeated = _repeated(found)
    order = [name for name in found.rejections["workbook"] if name in set(repeated["workbook"])]
    names = sorted(set(repeated["trait"]), key=content.trait_label)
    labels = [wrap(html.escape(content.trait_label(n)), NAME_WRAP) for n in names]
    fig = go.Figure()
    # each rejection a little above or below the trait's line, so equal ratings don't hide each other
    spread = DODGE / max(len(order) - 1, 1)
    for k, (rejection, symbol) in enumerate(zip(order, itertools.cycle(SYMBOLS))):
        offset = (k - (len(order) - 1) / 2) * spread
        rows = repeated[repeated["workbook"] == rejection].set_index("trait")
        ratings = [int(rows.loc[n, "rating"]) if n in rows.index else None for n in names]
        touched = [bool(rows.loc[n, "touched"]) if n in rows.index else False for n in names]
        fig.add_trace(
            go.Scatter(
                x=ratings,
                y=[n + offset for n in range(len(names))],
                mode="markers+text",
                name=html.escape(rejection),
                text=[MARK if mark else "" for mark in touched],
                textposition="middle right",
                marker={
                    "size": 13,
                    "symbol": symbol,
                    "color": [
                        NEUTRAL if r is None or r == 0 else STRENGTH if r > 0 else WEAKNESS for r in ratings
                    ],
                    "line": {"width": 1, "color": "#333333"},
                },
                customdata=labels,
                hovertemplate="%{customdata}: %{x}<extra>" + html.escape(rejection) + "</extra>",
            )
        )
    _layout(fig, len(names), narrow=narrow, row=max(ROW, 16 * len(order)))
    fig.update_layout(
        xaxis={
            "range": [TRAIT_SCALE[0] - 0.5, TRAIT_SCALE[1] + 0.8],
            "tickvals": list(range(TRAIT_SCALE[0], TRAIT_SCALE[1] + 1)),
            "title": {"text": _axis_title(t["rating_axis"], narrow)},
            "zeroline": True,
            "fixedrange": True,
        },
        yaxis={
            "tickvals": list(range(len(names))),
            "ticktext": labels,
            "range": [len(names) - 0.5, -0.5],
            "fixedrange": True,
            "automargin": True,
            "showgrid": False,
        },
    )
    return fig


def traits_summary(found: Patterns) -> str:
    t = _words()
    repeated = _repeated(found)
    if not len(repeated):
        return t["traits_none"]
    parts = []
    for name in sorted(set(repeated["trait"]), key=content.trait_label):
        rows = repeated[repeated["trait"] == name]
        each = [
            t["rating_in"].format(rating=formats.number(int(r.rating)), name=r.workbook)
            for r in rows.itertuples()
        ]
        parts.append(t["traits_row"].format(trait=content.trait_label(name), ratings=formats.word_list(each)))
    return " ".join(parts)
