"""A printable report of a workbook — all of it, or only the stages that were shared.

The report is built once as a small list of blocks (headings, fields, notes, charts),
then written out two ways from the same blocks, so they always hold the same things:

- `report_html` — one self-contained HTML file: inline CSS, charts as inline SVG drawn
  here (no script, no CDN, works offline), every piece of user text escaped;
- `report_pdf` — a PDF of the same, drawn with fpdf2 (pure Python; the charts go in as
  the same SVG).

`report_zip` adds CSV tables of every frame, written by `workbook.export` (the one piece
of code that writes CSV).

The pieces: `blocks` (what the report says), `svg` (its charts), `html`, `pdf`, `tables`.
"""

from __future__ import annotations

from .blocks import (
    HELP_BESIDE,
    HIDDEN_KINDS,
    SKIPPED_FIELDS,
    Block,
    build,
    crisis_block,
    picked_words,
    whole_workbook_notes,
)
from .html import render_body, render_html, report_html
from .pdf import CRISIS_FILL, FONT_DIRS, _font_files, pdf_svg, render_pdf, report_pdf
from .svg import svg_bars, svg_line, svg_traits
from .tables import report_zip, stage_frames

__all__ = [
    "CRISIS_FILL",
    "FONT_DIRS",
    "HELP_BESIDE",
    "HIDDEN_KINDS",
    "SKIPPED_FIELDS",
    "Block",
    "_font_files",
    "build",
    "crisis_block",
    "pdf_svg",
    "picked_words",
    "render_body",
    "render_html",
    "render_pdf",
    "report_html",
    "report_pdf",
    "report_zip",
    "stage_frames",
    "svg_bars",
    "svg_line",
    "svg_traits",
    "whole_workbook_notes",
]
