"""The report as a PDF (A4, fpdf2), from the same blocks as the HTML page."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable
from pathlib import Path

from .. import content
from ..store import Workbook
from .blocks import Block, _title, build

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
CRISIS_FILL = (245, 238, 226)  # the crisis line's warm ground in the PDF (#f5eee2, as the app's)


# -- PDF -------------------------------------------------------------------------------------
def _font_files() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def render_pdf(blocks: list[Block], *, pages: list[int] | None = None) -> bytes:
    """The same blocks as a PDF (A4). Uses DejaVu Sans when installed, for any language;
    otherwise a built-in font, with characters it lacks shown as '?'.

    `pages`, if given, gets the page each block starts on (to check the layout)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 18, 18)
    fonts = _font_files()
    if fonts:
        pdf.add_font("body", "", str(fonts[0]))
        pdf.add_font("body", "B", str(fonts[1]))
        family = "body"
        clean = lambda s: s  # noqa: E731
    else:  # pragma: no cover - depends on the machine's fonts
        family = "helvetica"
        clean = lambda s: s.encode("latin-1", "replace").decode("latin-1")  # noqa: E731
    pdf.set_title(clean(_title(blocks)))
    pdf.add_page()
    width = pdf.epw
    sizes = {"h1": 18, "h2": 14, "h3": 12}
    for i, b in enumerate(blocks):
        if b.kind in sizes or b.kind in ("rule", "field", "crisis"):
            # a heading (or a label) never stands alone at the foot of a page: it goes on
            # with the start of what follows it
            _keep_with_next(pdf, blocks[i:], width)
        if pages is not None:
            pages.append(pdf.page)
        if b.kind in sizes:
            pdf.ln(4 if b.kind != "h1" else 0)
            pdf.set_font(family, "B", sizes[b.kind])
            pdf.multi_cell(width, 8, clean(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "p":
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width, 5.5, clean(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "rule":
            pdf.ln(2)
            pdf.set_draw_color(200, 205, 215)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
            pdf.set_font(family, "", 8)
            pdf.multi_cell(width, 5, clean(b.label), align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "field":
            pdf.set_font(family, "B", 9)
            pdf.multi_cell(width, 5, clean(b.label), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width, 5.5, clean(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "crisis":  # the line, a link that calls its number, on a warm ground
            pdf.set_fill_color(*CRISIS_FILL)
            link = content.tel_href(b.numbers[0]) if b.numbers else None
            pdf.set_font(family, "B", 10)
            pdf.multi_cell(width, 5.5, clean(b.label), fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 10)
            pdf.multi_cell(
                width, 5.5, clean(b.text), fill=True, align="L", link=link, new_x="LMARGIN", new_y="NEXT"
            )
            pdf.ln(2)
        elif b.kind == "note":
            pdf.set_fill_color(243, 241, 231)
            pdf.set_font(family, "", 8)
            pdf.multi_cell(width, 5, clean(b.label), fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 10)
            pdf.multi_cell(width, 5.5, clean(b.text), fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.kind == "chart":
            pdf.ln(2)
            # a chart fpdf2 can't draw leaves its caption
            with contextlib.suppress(Exception):
                pdf.image(io.BytesIO(pdf_svg(b.svg, family, clean).encode("utf-8")), w=min(width, 160))
            pdf.set_font(family, "", 8)
            pdf.multi_cell(width, 5, clean(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_svg(svg: str, family: str, clean=lambda s: s) -> str:
    """A chart's SVG as fpdf2 draws it: no <title> (fpdf2 warns about it), and its words in the
    report's own font `family`, which has every character ("…", "−", "◆")."""
    svg = re.sub(r"<title>.*?</title>", "", svg)
    return re.sub(r'font-family="[^"]*"', f'font-family="{family}"', clean(svg))


KEEP_MM = 22  # room a heading needs under it for the first lines of what it heads


def _keep_with_next(pdf, following: list[Block], width: float) -> None:
    """Start a new page unless a heading or label, and the start of what it heads, fit here."""
    need = 0.0
    for n, b in enumerate(following):
        if b.kind == "chart":
            need += _chart_height(b, width) + 8
            break
        if b.kind in ("h1", "h2", "h3", "rule") or (b.kind == "p" and len(b.text) < 90):
            need += {"h1": 10, "h2": 12, "h3": 11, "rule": 7}.get(b.kind, 6)  # a short line goes along
            continue
        need += KEEP_MM if b.kind != "field" else 5 + min(KEEP_MM - 5, 5.5 * (1 + len(b.text) // 90))
        if b.kind == "field" and following[n + 1 : n + 2] and following[n + 1].kind == "crisis":
            need += KEEP_MM  # an answer about self-harm and the crisis line beside it stay together
        break
    if pdf.get_y() + need > pdf.page_break_trigger and pdf.get_y() > pdf.t_margin + 1:
        pdf.add_page()


def _chart_height(b: Block, width: float) -> float:
    """A chart's height on the page, in mm, from its SVG's size at the width it is drawn."""
    found = re.search(r'width="(\d+)" height="(\d+)"', b.svg)
    if not found:
        return 60.0
    w_px, h_px = (int(n) for n in found.groups())
    return min(width, 160) * h_px / w_px


def report_pdf(wb: Workbook, stages: Iterable[int] | None = None) -> bytes:
    """A PDF of the same report as `report_html`."""
    return render_pdf(build(wb, stages))
