"""How links between pages are written, the way the page is being read."""

from __future__ import annotations

from urllib.parse import quote

from ..registry import APP_NOTEBOOK, by_number
from .markup import esc
from .query import in_voila

# How links between pages are written: inside the one-page app (`#reason`), from a single
# page served by Voilà into the app (`app.ipynb?workbook=…#reason`), or to the notebook
# files themselves (JupyterLab opens `02_reason.ipynb` beside the one you are in).
LINKS_APP, LINKS_VOILA, LINKS_FILES = "app", "voila", "files"


def default_links() -> str:
    """How a page outside the app links to others: into the app under Voilà, else to files."""
    return LINKS_VOILA if in_voila() else LINKS_FILES


def page_href(index: int, slug: str | None, *, param: str = "workbook", links: str = LINKS_FILES) -> str:
    """The address of another page that carries the workbook (or, read-only, the client) along."""
    stage = by_number(index)
    query = f"?{param}={quote(slug)}" if slug else ""
    if links == LINKS_APP:
        return f"#{stage.key}"  # the app's address keeps its own ?workbook= or ?client=
    if links == LINKS_VOILA:
        return f"{APP_NOTEBOOK}{query}#{stage.key}"
    return stage.notebook + query


def page_link(
    index: int,
    slug: str | None,
    label: str | None = None,
    *,
    css: str = "",
    param: str = "workbook",
    links: str = LINKS_FILES,
) -> str:
    """An <a> to another page that carries the workbook (or, read-only, the client) along."""
    target = page_href(index, slug, param=param, links=links)
    classes = f' class="{css}"' if css else ""
    if "wb-current" in css.split():
        classes += ' aria-current="page"'  # screen readers say "current page"
    return f'<a href="{esc(target)}"{classes}>{esc(label or by_number(index).title)}</a>'
