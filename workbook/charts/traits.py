"""Stage 2's picture: strengths against weaknesses, by trait and by area (domain).

Every function takes the `trait` frame (`frames.frame(wb, "trait")`: name, domain, rating -3..+3,
touched, note) and is pure: `by_trait` and `by_domain` return a complete `go.Figure`,
`trait_summary` and `domain_summary` say the same in plain words for screen readers.
Strengths point right in blue, weaknesses left in vermillion (a colour-blind-safe pair);
the traits the reason touches carry a ◆ after their name and striped bars, so the mark
never depends on colour alone.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import plotly.graph_objects as go

from .. import content, formats
from ..model import TRAIT_DOMAINS, TRAIT_SCALE
from .render import (
    CALM_LAYOUT,
    EMPTY_WRAP,
    NEUTRAL,
    STRENGTH,
    WEAKNESS,
    labels_above,
    legend_below,
    wrap,
)

MARK = "◆"
TOUCHED_PATTERN = "/"
BALANCE = "#000000"
ROW_HEIGHT = 30
# Narrow (phone) layout: bars across the full width, each trait's name above its bar, the
# legend under the axis; px for the axis's tick labels plus the legend below the plot.
NARROW_BOTTOM = 92
NARROW_MARGIN = {"l": 8, "r": 8}


def _words() -> dict:
    return content.text("reason")["chart"]


def scale_word(rating: int) -> str:
    """The plain word for a rating: -3 'clear weakness' .. 0 'neither' .. +3 'clear strength'."""
    return content.text("reason")["traits"]["scale"][int(rating) - TRAIT_SCALE[0]]


@dataclass(frozen=True)
class Rated:
    """One rated trait, tidied from a frame row."""

    label: str  # unique, with ◆ when the reason touches it
    name: str
    domain: str
    rating: int
    touched: bool


def rated(traits) -> list[Rated]:
    """The frame's traits that have a rating, strongest strength first, weakest last.

    Ties keep alphabetical order; labels are made unique so two traits never share a bar.
    """
    rows = []
    for row in traits.itertuples(index=False):
        rating = getattr(row, "rating", None)
        if rating is None or rating != rating or str(rating) == "<NA>":
            continue
        rating = max(TRAIT_SCALE[0], min(TRAIT_SCALE[1], int(rating)))
        touched = getattr(row, "touched", False)
        touched = bool(touched) if touched is not None and str(touched) != "<NA>" else False
        domain = getattr(row, "domain", None)
        domain = domain if isinstance(domain, str) and domain in TRAIT_DOMAINS else "other"
        name = content.trait_label(" ".join(str(row.name).split())) or "?"  # in the person's language
        rows.append((name, domain, rating, touched))
    rows.sort(key=lambda r: (-r[2], r[0].casefold()))
    seen: dict[str, int] = {}
    found = []
    for name, domain, rating, touched in rows:
        # plotly reads a few HTML tags in labels: a name is text, so its markup is escaped
        base = html.escape(name, quote=False) + (f" {MARK}" if touched else "")
        seen[base] = seen.get(base, 0) + 1
        label = base if seen[base] == 1 else f"{base} ({seen[base]})"
        found.append(Rated(label, name, domain, rating, touched))
    return found


def _base_layout(fig: go.Figure, height: int) -> None:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 20, "t": 50, "b": 60},
        **CALM_LAYOUT,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        bargap=0.25,
    )


def _empty(message: str, narrow: bool = False) -> go.Figure:
    fig = go.Figure()
    _base_layout(fig, 160)
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": wrap(message, EMPTY_WRAP) if narrow else message,
                "showarrow": False,
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
            }
        ],
    )
    if narrow:
        fig.update_layout(margin=NARROW_MARGIN, dragmode=False)
    return fig


def _narrow(fig: go.Figure, labels: list[str], *, key: str = "") -> None:
    """The phone layout of a horizontal bar chart: names above bars, legend below, and
    `key` (if any) as a line of its own at the top."""
    row, top = labels_above(fig, labels)
    key_px = 26 if key else 0
    legend_below(fig, bottom=NARROW_BOTTOM)
    fig.update_layout(
        height=NARROW_BOTTOM + top + key_px + 8 + row * len(labels),
        margin={**NARROW_MARGIN, "t": top + key_px + 8},
        dragmode=False,
    )
    fig.update_xaxes(automargin=True, tickfont={"size": 13})
    if key:
        fig.add_annotation(
            text=key,
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0,
            y=1,
            yshift=top + 4,
            xanchor="left",
            yanchor="bottom",
            font={"size": 13},
        )


def by_trait(traits, *, narrow: bool = False) -> go.Figure:
    """One bar per rated trait: strengths to the right, weaknesses to the left, sorted.

    Traces: 'Strengths' and 'Weaknesses' (horizontal bars, x = rating), and 'Neither'
    (grey markers at 0). The y axis lists the traits top to bottom from strongest strength
    to clearest weakness (`layout.yaxis.categoryarray`). A trait the reason touches has
    ◆ in its label and a striped bar (`marker.pattern.shape` '/').
    `narrow` (a phone): each trait's name above its bar as an annotation, the legend below.
    """
    t = _words()
    items = rated(traits)
    if not items:
        return _empty(t["empty"], narrow)
    fig = go.Figure()
    groups = (
        (t["strengths"], STRENGTH, [r for r in items if r.rating > 0]),
        (t["weaknesses"], WEAKNESS, [r for r in items if r.rating < 0]),
    )
    for name, colour, group in groups:
        if not group:
            continue
        fig.add_trace(
            go.Bar(
                name=name,
                orientation="h",
                x=[r.rating for r in group],
                y=[r.label for r in group],
                marker={
                    "color": colour,
                    "line": {"color": colour, "width": 1.5},
                    "pattern": {
                        "shape": [TOUCHED_PATTERN if r.touched else "" for r in group],
                        "fillmode": "overlay",
                        "fgcolor": "white",
                        "solidity": 0.35,
                    },
                },
                customdata=[
                    [html.escape(r.name), scale_word(r.rating), t["touched_hover"] if r.touched else ""]
                    for r in group
                ],
                hovertemplate="<b>%{customdata[0]}</b>: %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            )
        )
    neither = [r for r in items if r.rating == 0]
    if neither:
        fig.add_trace(
            go.Scatter(
                name=t["neither"],
                mode="markers",
                x=[0] * len(neither),
                y=[r.label for r in neither],
                marker={
                    "color": NEUTRAL,
                    "size": 13,
                    "symbol": ["diamond" if r.touched else "circle" for r in neither],
                    "line": {"color": "#555555", "width": 1},
                },
                customdata=[
                    [html.escape(r.name), scale_word(0), t["touched_hover"] if r.touched else ""]
                    for r in neither
                ],
                hovertemplate="<b>%{customdata[0]}</b>: %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            )
        )
    scale = content.text("reason")["traits"]["scale"]
    _base_layout(fig, max(240, 130 + ROW_HEIGHT * len(items)))
    fig.update_layout(
        barmode="overlay",
        xaxis={
            "range": [TRAIT_SCALE[0] - 0.4, TRAIT_SCALE[1] + 0.4],
            "tickvals": list(range(TRAIT_SCALE[0], TRAIT_SCALE[1] + 1)),
            "ticktext": [
                scale[0].replace(" ", "<br>"),
                "",
                "",
                scale[3],
                "",
                "",
                scale[-1].replace(" ", "<br>"),
            ],
            "zeroline": True,
            "zerolinecolor": "#333333",
            "zerolinewidth": 2,
            "showgrid": True,
            "gridcolor": "#e6e6e6",
            "fixedrange": True,
        },
        yaxis={
            "categoryorder": "array",
            "categoryarray": [r.label for r in items],
            "autorange": "reversed",
            "automargin": True,
            "fixedrange": True,
        },
    )
    if narrow:
        _narrow(fig, [r.label for r in items], key=t["touched_key"] if any(r.touched for r in items) else "")
        # room at both ends for "clear weakness" and "clear strength" under the axis
        fig.update_xaxes(range=[TRAIT_SCALE[0] - 0.9, TRAIT_SCALE[1] + 0.9])
        return fig
    if any(r.touched for r in items):
        fig.add_annotation(
            text=t["touched_key"],
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0,
            y=1.02,
            yshift=30,  # a line of its own above the legend, so the two never overlap
            xanchor="left",
            yanchor="bottom",
            font={"size": 13},
        )
        fig.update_layout(margin={"t": 85})
    return fig


def domain_balance(traits) -> list[dict]:
    """Per area that has rated traits, in the model's order: strength points (sum of the
    positive ratings), weakness points (sum of the negative ones, as a positive number),
    the balance (their difference) and how many traits were rated."""
    items = rated(traits)
    found = []
    for domain in TRAIT_DOMAINS:
        mine = [r for r in items if r.domain == domain]
        if not mine:
            continue
        strength = sum(r.rating for r in mine if r.rating > 0)
        weakness = -sum(r.rating for r in mine if r.rating < 0)
        found.append(
            {
                "domain": domain,
                "strength": strength,
                "weakness": weakness,
                "balance": strength - weakness,
                "count": len(mine),
                "touched": sum(r.touched for r in mine),
            }
        )
    return found


def by_domain(traits, *, narrow: bool = False) -> go.Figure:
    """Per area: strength points to the right, weakness points to the left, and a black
    diamond at the balance. Traces 'Strengths', 'Weaknesses' (bars) and 'Balance'.
    `narrow` (a phone): each area's name above its bars, the legend below."""
    t = _words()
    rows = domain_balance(traits)
    if not rows:
        return _empty(t["empty"], narrow)
    labels = [content.area_name(r["domain"]) for r in rows]
    counts = [t["domain_count"].format(count=count(r["count"], t["trait_word"])) for r in rows]
    fig = go.Figure()
    for side, name, sign, colour in (
        ("strength", "strengths", 1, STRENGTH),
        ("weakness", "weaknesses", -1, WEAKNESS),
    ):
        # weaknesses are drawn to the left, and their hover label says the points unsigned
        fig.add_trace(
            go.Bar(
                name=t[name],
                orientation="h",
                x=[sign * r[side] for r in rows],
                y=labels,
                marker={"color": colour},
                customdata=[[r[side], c] for r, c in zip(rows, counts, strict=True)],
                hovertemplate="%{y}: "
                + t[f"{side}_points"]
                + " %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            name=t["balance"],
            mode="markers",
            x=[r["balance"] for r in rows],
            y=labels,
            marker={
                "color": BALANCE,
                "symbol": "diamond",
                "size": 12,
                "line": {"color": "white", "width": 1.5},
            },
            hovertemplate="%{y}: " + t["balance"].lower() + " %{x:+d}<extra></extra>",
        )
    )
    widest = max(max(r["strength"], r["weakness"]) for r in rows)
    limit = max(3, widest) + 1
    _base_layout(fig, max(220, 130 + 44 * len(rows)))
    fig.update_layout(
        barmode="relative",
        xaxis={
            "range": [-limit, limit],
            "zeroline": True,
            "zerolinecolor": "#333333",
            "zerolinewidth": 2,
            "gridcolor": "#e6e6e6",
            "title": {"text": t["domain_axis"]},
            "fixedrange": True,
        },
        yaxis={
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
            "automargin": True,
            "fixedrange": True,
        },
    )
    if narrow:
        _narrow(fig, labels)
        fig.update_xaxes(title={"font": {"size": 13}}, nticks=5)
    return fig


def count(n: int, forms) -> str:
    """'1 strength', '3 strengths', 'no strengths': a counted word in the person's language."""
    return formats.plural(forms, n)


def _names(items: list[Rated]) -> str:
    return formats.word_list(r.name for r in items)


def trait_summary(traits) -> str:
    """The by-trait picture in a few plain sentences."""
    t = _words()
    items = rated(traits)
    if not items:
        return t["empty"]
    strengths = [r for r in items if r.rating > 0]
    weaknesses = [r for r in items if r.rating < 0]
    neither = [r for r in items if r.rating == 0]
    counts = [
        count(len(group), t[word])
        for group, word in (
            (strengths, "strength_word"),
            (weaknesses, "weakness_word"),
            (neither, "neither_word"),
        )
        if group
    ]
    parts = [
        t["summary_counts"].format(count=count(len(items), t["trait_word"]), parts=formats.word_list(counts))
    ]
    if strengths:
        parts.append(t["summary_strengths"].format(names=_names(strengths[:5])))
    if weaknesses:
        parts.append(t["summary_weaknesses"].format(names=_names(list(reversed(weaknesses))[:5])))
    touched = [r for r in items if r.touched]
    if touched:
        parts.append(t["summary_touched"].format(names=_names(touched)))
    return " ".join(parts)


def domain_summary(traits) -> str:
    """The by-area picture in plain sentences."""
    t = _words()
    rows = domain_balance(traits)
    if not rows:
        return t["empty"]
    parts = []
    for r in rows:
        lean = (
            t["lean_strength"]
            if r["balance"] > 0
            else t["lean_weakness"]
            if r["balance"] < 0
            else t["lean_even"]
        )
        parts.append(
            t["summary_domain"].format(
                domain=content.area_name(r["domain"]),
                strength=count(r["strength"], t["point_strength"]),
                weakness=count(r["weakness"], t["point_weakness"]),
                lean=lean,
            )
        )
    return " ".join(parts)
