"""The report as one self-contained HTML page (or a fragment of one), from its blocks."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from .. import content
from ..store import Workbook
from .blocks import Block, _title, _words, build


# -- HTML --------------------------------------------------------------------------------------
# The page is a Jinja2 template (workbook/templates/report.html.j2, its blocks in
# report_body.html.j2), autoescaped: every piece of text is escaped unless marked safe, and
# only the charts (SVG drawn above, their text escaped there) are.
@functools.cache
def _templates():
    import jinja2
    import markupsafe

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("workbook", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    # text with its phone numbers as tel: links (content.tel_html escapes the rest)
    env.filters["tel"] = lambda text, numbers: markupsafe.Markup(content.tel_html(text, numbers))
    return env


def render_html(blocks: list[Block]) -> str:
    """The blocks as one self-contained HTML page (no scripts, no outside files)."""
    page = _templates().get_template("report.html.j2")
    return page.render(blocks=blocks, shift=0, title=_title(blocks), lang=_words()["lang"])


def render_body(blocks: list[Block], *, shift: int = 0) -> str:
    """The blocks as an HTML fragment (headings moved `shift` levels down), user text escaped."""
    return _templates().get_template("report_body.html.j2").render(blocks=blocks, shift=shift)


def report_html(wb: Workbook, stages: Iterable[int] | None = None) -> str:
    """A printable, self-contained HTML report of `stages` (all when None)."""
    return render_html(build(wb, stages))
