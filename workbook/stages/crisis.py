"""The crisis line: at the foot of every page, and a "Need help now?" at its top."""

from __future__ import annotations

from .. import content
from .markup import esc

CRISIS_ID = "wb-crisis"  # the crisis line's stable id at the foot of every page


def crisis_html() -> str:
    """The crisis line that stands at the foot of every page."""
    crisis = content.resources()["crisis"]
    return (
        f'<aside id="{CRISIS_ID}" class="wb-crisis" aria-label="{esc(crisis["label"])}">'
        f"<p><strong>{esc(crisis['heading'])}</strong> {content.crisis_line_html(crisis)}</p></aside>"
    )


def crisis_link_html() -> str:
    """A small "Need help now?" at the top of every page that opens the crisis line in place.

    It opens where the person is (a <details>, no script, no jump that would change the
    page's address); on a phone it stays at the top of the screen (widgets.css, .wb-help).
    """
    crisis = content.resources()["crisis"]
    return (
        f'<div class="wb-help"><details><summary>{esc(crisis["link"])}</summary>'
        f'<div class="wb-help-panel" role="note" aria-label="{esc(crisis["label"])}">'
        f"<p><strong>{esc(crisis['heading'])}</strong> {content.crisis_line_html(crisis)}</p></div></details></div>"
    )
