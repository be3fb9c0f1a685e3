"""The patterns page: a person's rejections side by side (workbook/patterns.py says what).

Not a stage of one workbook but a look across all of them, so, like the practice page, it
has a header of its own and writes nothing. The start page and the journey link to it once
the person has two or more workbooks. Plain sentences come first; the two charts are drawn
once the page is on screen.
"""

from __future__ import annotations

import contextlib
import functools

from .. import content
from ..registry import PATTERNS_FROM, PATTERNS_NOTEBOOK
from ..store import Home, WorkbookError
from . import plain
from .markup import esc
from .page import FolderPage


def words() -> dict:
    return content.text("patterns")


def link_html(home: Home) -> str:
    """A paragraph linking to the patterns page, or "" while there are fewer than two workbooks."""
    usable = [info for info in home.list() if not info.problem] if home.path.is_dir() else []
    if len(usable) < PATTERNS_FROM:
        return ""
    return f'<p class="wb-patterns-link"><a href="{PATTERNS_NOTEBOOK}">{esc(words()["link"])}</a></p>'


class PatternsPage(FolderPage):
    """Reads every workbook in the home and writes none."""

    def heading(self):
        t, titles = words(), self.words["titles"]
        return [(0, titles["start"]), (6, titles["journey"])], t["title"], t["intro"]

    def built_again(self):
        """The page afresh (after the browser's language changed it)."""
        return show(home=self.session.home.path)


class Patterns:
    """Builds the page; `Patterns(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None):
        # pandas and plotly only when this page is built: the start page links here, and on a
        # practice server the app's kernel starts without them (see stages/app.py)
        from .. import patterns
        from ..charts.render import ChartView

        self.page = PatternsPage(home)
        self.t = t = words()
        self.found = self._read(self.page.session.home)
        self.sentences = patterns.sentences(self.found)
        self.charts: dict[str, ChartView] = {}
        if not self.sentences:
            self.page.body.append(plain.HTML(f'<p class="wb-empty">{esc(t["fewer_than_two"])}</p>'))
        else:
            items = "".join(f"<li>{esc(s)}</li>" for s in self.sentences)
            self.page.body.append(plain.HTML(f'<ul class="wb-patterns">{items}</ul>'))
            for key, draw, summary in (
                ("traits", patterns_chart("traits"), patterns_chart("traits_summary")),
                ("feelings", patterns_chart("feelings"), patterns_chart("feelings_summary")),
            ):
                view = ChartView(t[f"chart_{key}"])
                self.charts[key] = view
                self.page.section(t[f"chart_{key}"], "", view.widget)
                self.page.after_shown(
                    functools.partial(view.draw, functools.partial(draw, self.found), summary(self.found))
                )
        self.widget = self.page.show()

    @staticmethod
    def _read(home: Home):
        """Every workbook that opens, read once into `patterns.Patterns` (one that can't be
        opened is left out)."""
        from .. import patterns

        with contextlib.ExitStack() as stack:
            opened = []
            for info in home.list() if home.path.is_dir() else []:
                if info.problem:
                    continue
                try:
                    wb = home.open(info.slug, read_only=True)
                except WorkbookError:
                    continue
                stack.callback(wb.close)
                opened.append((info.slug, wb))
            return patterns.across(opened)


def patterns_chart(name: str):
    """A function of workbook.charts.patterns, imported when first used (plotly is heavy)."""

    def call(*args, **kwargs):
        from ..charts import patterns as chart

        return getattr(chart, name)(*args, **kwargs)

    return call


def show(*, home=None):
    """The patterns page widget (used by notebooks/09_patterns.ipynb)."""
    return Patterns(home=home).widget
