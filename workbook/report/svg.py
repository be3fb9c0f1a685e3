"""The report's charts as inline SVG, drawn here: no script, no outside file, every label escaped."""

from __future__ import annotations

import datetime as dt
import html

from .. import content, formats, model

INK, ACCENT, SOFT, GRID = "#2b2d42", "#4a6fa5", "#b8c7dd", "#d9dee7"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _opening(width: float, height: float, title: str) -> list[str]:
    """An SVG's opening tag (its size, the report's font) and its title, read out as its name."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
        f"<title>{_e(title)}</title>",
    ]


def svg_bars(rows: list[tuple[str, float]], title: str, *, low: float, high: float) -> str:
    """Horizontal bars from a zero line, one per (label, value); labels escaped."""
    rows = rows[:40]
    label_w, bar_w, row_h, top = 220, 380, 24, 10
    width, height = label_w + bar_w + 50, top + row_h * len(rows) + 24
    scale = bar_w / (high - low)
    zero = label_w + (0 - low) * scale
    parts = [
        *_opening(width, height, title),
        f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{height - 20}" stroke="{INK}" stroke-width="1"/>',
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        x0, x1 = sorted((zero, label_w + (value - low) * scale))
        short = label if len(label) <= 32 else label[:31] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">{_e(short)}</text>'
        )
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1.5):.1f}" height="{row_h - 8}" '
            f'fill="{ACCENT if value >= 0 else SOFT}"/>'
        )
        parts.append(f'<text x="{x1 + 4:.1f}" y="{y + 15}" fill="{INK}">{_e(f"{value:g}")}</text>')
    base = height - 6
    parts.append(f'<text x="{label_w}" y="{base}" fill="{INK}">{low:g}</text>')
    parts.append(f'<text x="{label_w + bar_w}" y="{base}" text-anchor="end" fill="{INK}">{high:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_traits(rows: list[tuple[str, int, bool]], title: str) -> str:
    """The app's trait picture (workbook/charts/traits.py `by_trait`) drawn here as SVG, so
    the report and the PDF show it as the app does: one bar per (name, rating, touched),
    strengths to the right in the app's blue, weaknesses to the left in its vermillion,
    'neither' a grey dot at 0; a trait the reason touches has ◆ after its name and a striped
    bar (a diamond for a dot), so the mark never rests on colour alone. Strongest strength
    first. Only shapes fpdf2 draws (rect, line, circle, path, text)."""
    from ..charts.render import NEUTRAL, STRENGTH, WEAKNESS
    from ..charts.traits import MARK

    t = content.text("reason")["chart"]
    scale = content.text("reason")["traits"]["scale"]
    low, high = model.TRAIT_SCALE
    rows = sorted(rows, key=lambda r: (-r[1], r[0].casefold()))[:40]
    marked = any(r[2] for r in rows)
    label_w, bar_w, row_h = 220, 380, 24
    top = 34 + (20 if marked else 0)  # the key's line(s) above the bars
    width = label_w + bar_w + 30
    height = top + row_h * len(rows) + 40
    step = bar_w / (high - low)
    zero = label_w + (0 - low) * step
    parts = [
        *_opening(width, height, title),
    ]
    # the key, as the app's legend: a swatch for each group there is, then the mark
    x = 8
    present = (
        (t["strengths"], STRENGTH, any(r[1] > 0 for r in rows)),
        (t["weaknesses"], WEAKNESS, any(r[1] < 0 for r in rows)),
        (t["neither"], NEUTRAL, any(r[1] == 0 for r in rows)),
    )
    for name, colour, shown in present:
        if not shown:
            continue
        if colour == NEUTRAL:
            parts.append(
                f'<circle cx="{x + 6}" cy="12" r="6" fill="{NEUTRAL}" stroke="#555555" stroke-width="1"/>'
            )
        else:
            parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 17}" y="16" fill="{INK}">{_e(name)}</text>')
        x += 17 + 7.5 * len(name) + 16
    if marked:  # on a line of its own: in Spanish the key and the legend don't fit on one
        parts.append(f'<text x="8" y="36" fill="{INK}">{_e(t["touched_key"])}</text>')
    for level in range(low, high + 1):  # light grid, the zero line strong (as the app)
        gx = label_w + (level - low) * step
        colour, stroke = ("#333333", 2) if level == 0 else ("#e6e6e6", 1)
        parts.append(
            f'<line x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" y2="{height - 34}" '
            f'stroke="{colour}" stroke-width="{stroke}"/>'
        )
    for i, (name, rating, touched) in enumerate(rows):
        y = top + i * row_h
        label = (name if len(name) <= 30 else name[:29] + "…") + (f" {MARK}" if touched else "")
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" fill="{INK}">{_e(label)}</text>'
        )
        if rating == 0:
            cy = y + row_h / 2
            if touched:
                d = f"M {zero:.1f} {cy - 7:.1f} L {zero + 7:.1f} {cy:.1f} L {zero:.1f} {cy + 7:.1f} L {zero - 7:.1f} {cy:.1f} Z"
                parts.append(f'<path d="{d}" fill="{NEUTRAL}" stroke="#555555" stroke-width="1"/>')
            else:
                parts.append(
                    f'<circle cx="{zero:.1f}" cy="{cy:.1f}" r="6" fill="{NEUTRAL}" stroke="#555555" stroke-width="1"/>'
                )
            continue
        colour = STRENGTH if rating > 0 else WEAKNESS
        x0, x1 = sorted((zero, label_w + (rating - low) * step))
        y0, h = y + 4, row_h - 8
        parts.append(f'<rect x="{x0:.1f}" y="{y0}" width="{x1 - x0:.1f}" height="{h}" fill="{colour}"/>')
        if touched:
            parts.extend(_stripes(x0, y0, x1 - x0, h))
    base = height - 14
    for level, word in ((low, scale[0]), (0, scale[-low]), (high, scale[-1])):
        gx = label_w + (level - low) * step
        anchor = {low: "start", 0: "middle", high: "end"}[level]
        parts.append(f'<text x="{gx:.1f}" y="{base}" text-anchor="{anchor}" fill="{INK}">{_e(word)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _stripes(x0: float, y0: float, w: float, h: float, gap: float = 6) -> list[str]:
    """White diagonal stripes inside a bar (the app's '/' pattern), each line cut to the bar."""
    lines = []
    start = x0 - h
    while start < x0 + w:
        t_lo, t_hi = max(0.0, x0 - start), min(h, x0 + w - start)
        if t_lo < t_hi:
            lines.append(
                f'<line x1="{start + t_lo:.1f}" y1="{y0 + h - t_lo:.1f}" x2="{start + t_hi:.1f}" '
                f'y2="{y0 + h - t_hi:.1f}" stroke="white" stroke-width="1.5"/>'
            )
        start += gap
    return lines


def svg_line(points: list[tuple[str, float]], title: str, *, high: float = 10) -> str:
    """Values 0..high over time (ISO timestamps), as dots joined by a line."""
    points = sorted(points)[-200:]
    left, width, height, top, plot_h = 40, 640, 220, 12, 170
    times = [dt.datetime.fromisoformat(p[0]).timestamp() for p in points]
    span = (max(times) - min(times)) or 1.0
    plot_w = width - left - 20

    def xy(i):
        x = left + (times[i] - min(times)) / span * plot_w if len(points) > 1 else left + plot_w / 2
        y = top + plot_h - points[i][1] / high * plot_h
        return x, y

    coords = [xy(i) for i in range(len(points))]
    parts = [
        *_opening(width, height, title),
    ]
    for level in (0, 5, 10):
        y = top + plot_h - level / high * plot_h
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">{level}</text>')
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for x, y in coords:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{ACCENT}"/>')
    first, last = formats.day(points[0][0]), formats.day(points[-1][0])
    parts.append(f'<text x="{left}" y="{height - 8}" fill="{INK}">{_e(first)}</text>')
    parts.append(f'<text x="{width - 20}" y="{height - 8}" text-anchor="end" fill="{INK}">{_e(last)}</text>')
    parts.append("</svg>")
    return "".join(parts)
