"""User text made safe to show inside an HTML widget, and the small pieces of HTML built
around it (a list row's title, a friendly date, a therapist's notes).

Everything a person typed is data, never markup: it goes through `esc` before it is shown.
"""

from __future__ import annotations

import html

from .. import formats
from ..store import Workbook


def esc(text: object) -> str:
    """User text made safe to show inside an HTML widget: it is data, never markup."""
    return html.escape("" if text is None else str(text), quote=True)


def paragraphs(text: object) -> str:
    """Escaped user text with its line breaks kept."""
    return "<br>".join(esc(text).splitlines())


def titled(title: object, text: object = None) -> str:
    """A list row's bold title, then its text when there is any (both escaped)."""
    return f"<strong>{esc(title)}</strong>" + (f" — {paragraphs(text)}" if text else "")


def when(iso: str | None, *, time: bool = True) -> str:
    """A stored UTC timestamp or date as a friendly local date (and time)."""
    if not iso:
        return ""
    return formats.day_time(iso) if time and len(iso) > 10 else formats.day(iso)


def therapist_notes_html(wb: Workbook, stage: int, title: str, *, level: int = 2) -> str:
    """A therapist's notes on one stage (0: on the whole workbook) with their dates, or ""."""
    notes = [e for e in wb.entries("therapist_note") if e.data["stage"] == stage]
    if not notes:
        return ""
    items = "".join(
        f'<li><span class="wb-date">{esc(when(n.created_at))}</span><br>{paragraphs(n["text"])}</li>'
        for n in notes
    )
    return f'<div class="wb-note"><h{level}>{esc(title)}</h{level}><ul>{items}</ul></div>'
