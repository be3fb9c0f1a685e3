"""The journey dashboard: the whole workbook on one page.

Stages done, feelings over time, strengths against weaknesses, goals with their steps and
celebrations, healing practices and the latest writing. The words and lists come straight
from the store; each chart (pandas and plotly) is drawn once the page is on screen, so the
page is usable first. It works the same in Voilà and in JupyterLab.
"""

from __future__ import annotations

import functools

import ipywidgets as w

from .. import content, formats
from ..charts.render import ChartView
from ..progress import stage_progress
from ..registry import by_number
from ..store import Entry
from . import plain
from .markup import esc, paragraphs, when
from .page import Page
from .patterns import link_html as patterns_link

INDEX = 6
PREVIEW_CHARS = 320
LATEST_WRITING = 3
HEALING_KINDS = (
    "kind_act",
    "compassion_pause",
    "letter",
    "boundary",
    "quality",
    "process_log",
    "writing_session",
)
WRITING_KINDS = {  # kind -> (the field holding the writing, the stage it belongs to)
    "acceptance": ("text", 4),
    "letter": ("text", 4),
    "reflection": ("text", 1),
    "writing_session": ("text", 1),
    "checkin": ("own_words", 1),
    "compassion_pause": ("kindness", 4),
}


def plural(n: int, forms) -> str:
    return formats.plural(forms, n)


class JourneyPage:
    """Builds the dashboard; `JourneyPage(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None, slug=None, session=None):
        self.page = page = Page(INDEX, session, home=home, slug=slug)
        self.t = t = content.text("journey")
        self.charts: dict[str, ChartView] = {}
        page.body.append(plain.HTML(t["intro"]))
        across = patterns_link(page.session.home)  # once there are two workbooks: the look across them
        if across:
            page.body.append(plain.HTML(across))
        if page.wb is not None:
            self.since = plain.HTML(self._since_html())
            page.body.append(self.since)
            self._stages()
            self._feelings()
            self._traits()
            self._goals()
            self._healing()
            self._writing()
        self.widget = page.show()

    def link(self, index: int, label: str | None = None) -> str:
        """A link to a stage page, carrying the workbook (or a therapist's client view) along."""
        return self.page.link(index, label)

    def _note(self, text: str, css: str = "wb-hint") -> w.HTML:
        return plain.HTML(f'<p class="{css}">{text}</p>')

    def _chart(self, key: str, label: str, draw) -> ChartView:
        view = ChartView(label)
        view.summary.value = f'<p class="wb-hint">{esc(self.t["loading"])}</p>'
        self.charts[key] = view
        self.page.after_shown(draw)
        return view

    # -- where you are -------------------------------------------------------------------------
    def _since_html(self) -> str:
        wb = self.page.wb
        entries = wb.entries()
        started = wb.meta("created_at")
        if entries:
            started = min(started or entries[0].created_at, entries[0].created_at)
        if not started:
            return ""
        text = self.t["since"].format(
            date=when(started, time=False), count=plural(len(entries), self.t["entry_word"])
        )
        return f'<p class="wb-since">{esc(text)}</p>'

    def _stages(self) -> None:
        t = self.t["stages"]
        rows = []
        progress = stage_progress(self.page.wb)
        for p in progress:
            state = {"done": "✓ " + t["done"], "started": t["started"]}.get(p.state, t["not_started"])
            count = (
                (t["one_entry"] if p.entries == 1 else t["entries"].format(n=p.entries)) if p.entries else ""
            )
            rows.append(
                f'<li class="wb-progress-{p.state.replace(" ", "-")}">{self.link(p.stage)} — {esc(state)}'
                f"{(' · ' + esc(count)) if count else ''}</li>"
            )
        cheer = f"<p><strong>{esc(t['all_done'])}</strong></p>" if all(p.done for p in progress) else ""
        self.stages = plain.HTML(f'<ol class="wb-progress">{"".join(rows)}</ol>{cheer}')
        self.page.section(t["title"], "", self.stages)

    # -- feelings over time ----------------------------------------------------------------------
    def _feelings(self) -> None:
        t = self.t["feelings"]
        if not self.page.wb.entries("checkin"):
            none = t["none"].format(feel=self.link(1), heal=self.link(4))
            self.page.section(t["title"], "", self._note(none, "wb-empty"))
            return
        view = self._chart("feelings", t["label"], self.draw_feelings)
        self.page.section(t["title"], esc(t["note"]), view.widget)

    def draw_feelings(self) -> None:
        from ..charts import emotions as chart
        from ..frames import emotions

        df = emotions(self.page.wb)
        self.charts["feelings"].draw(functools.partial(chart.figure, df), chart.summary(df))

    # -- strengths and weaknesses ----------------------------------------------------------------
    def _traits(self) -> None:
        t = self.t["traits"]
        if not self.page.wb.entries("trait"):
            self.page.section(t["title"], "", self._note(t["none"].format(link=self.link(2)), "wb-empty"))
            return
        view = self._chart("traits", t["label"], self.draw_traits)
        self.page.section(t["title"], "", view.widget)

    def draw_traits(self) -> None:
        from ..charts import traits as chart
        from ..frames import frame

        df = frame(self.page.wb, "trait")
        self.charts["traits"].draw(functools.partial(chart.by_trait, df), chart.trait_summary(df))

    # -- goals ---------------------------------------------------------------------------------
    def _goals(self) -> None:
        t = self.t["goals"]
        wb = self.page.wb
        goals = wb.entries("goal")
        if not goals:
            self.page.section(t["title"], "", self._note(t["none"].format(link=self.link(3)), "wb-empty"))
            return
        self.goal_list = plain.HTML(self._goals_html(goals))
        view = self._chart("goals", t["label"], self.draw_goals)
        self.page.section(t["title"], "", self.goal_list, view.widget)

    def _goals_html(self, goals: list[Entry]) -> str:
        from ..charts.goals import steps_phrase  # the chart's own counting rule

        t = self.t["goals"]
        wb = self.page.wb
        steps = wb.entries("step")
        cheers = wb.entries("celebration")
        items = []
        for goal in goals:
            mine = sorted(
                (s for s in steps if s.data.get("goal_id") == goal.entry_id), key=lambda s: s.data["done_on"]
            )
            done = f' <span class="wb-done">✓ {esc(t["done"])}</span>' if goal.data.get("done") else ""
            target = (
                f' <span class="wb-date">({esc(t["target"].format(date=when(goal.data["target_on"])))})</span>'
                if goal.data.get("target_on") and not goal.data.get("done")
                else ""
            )
            lines = [
                f"<strong>{esc(goal.data['title'])}</strong>{done}{target} · "
                + esc(steps_phrase(s.data.get("kind") for s in mine))
            ]
            if mine:
                last = mine[-1]
                lines.append(
                    f"{esc(t['latest_step'])} ({esc(when(last.data['done_on']))}): {esc(last.data['text'])}"
                )
            for c in (c for c in cheers if c.data.get("goal_id") == goal.entry_id):
                how = f" — {esc(c.data['how'])}" if c.data.get("how") else ""
                lines.append(f"★ {esc(t['celebrated'])}: {esc(c.data['accomplishment'])}{how}")
            items.append("<li>" + "<br>".join(lines) + "</li>")
        return f'<ul class="wb-goals">{"".join(items)}</ul>'

    def draw_goals(self) -> None:
        from ..charts import goals as chart
        from ..frames import frame

        wb = self.page.wb
        g, s, c = frame(wb, "goal"), frame(wb, "step"), frame(wb, "celebration")
        self.charts["goals"].draw(functools.partial(chart.progress, g, s, c), chart.progress_summary(g, s, c))

    # -- healing practices ---------------------------------------------------------------------
    def _healing(self) -> None:
        t = self.t["healing"]
        wb = self.page.wb
        counts = wb.counts()
        items = []
        for kind in HEALING_KINDS:
            n = counts.get(kind, 0)
            if not n:
                continue
            latest = wb.entries(kind)[-1]
            day = latest.data.get("done_on") or latest.created_at
            items.append(
                f"<li><strong>{esc(plural(n, t[kind]))}</strong> "
                f'<span class="wb-date">({esc(t["latest"].format(date=when(day, time=False)))})</span></li>'
            )
        if not items:
            none = t["none"].format(feel=self.link(1), heal=self.link(4))
            self.page.section(t["title"], "", self._note(none, "wb-empty"))
            return
        self.healing = plain.HTML(f'<ul class="wb-healing">{"".join(items)}</ul>')
        view = self._chart("healing", t["label"], self.draw_healing)
        self.page.section(t["title"], esc(t["intro"]), self.healing, view.widget)

    def draw_healing(self) -> None:
        from ..charts import journey as chart
        from ..frames import frame

        t = self.t["healing"]
        frames = {kind: frame(self.page.wb, kind) for kind in chart.PRACTICES}
        forms = {kind: t["short"][kind] for kind in chart.PRACTICES}  # without "(walking, talking…)"
        labels = {kind: t["legend"][kind] for kind in chart.PRACTICES}
        if chart.figure(frames, labels) is None:
            self.charts["healing"].widget.layout.display = "none"
            return
        self.charts["healing"].draw(
            functools.partial(chart.figure, frames, labels), chart.summary(frames, forms)
        )

    # -- latest writing ------------------------------------------------------------------------
    def latest_writing(self, limit: int = LATEST_WRITING) -> list[tuple[Entry, str, int]]:
        """The most recently changed pieces of writing: (entry, the writing, its stage)."""
        found = []
        for kind, (field, stage) in WRITING_KINDS.items():
            for entry in self.page.wb.entries(kind):
                text = entry.data.get(field)
                if isinstance(text, str) and text.strip():
                    where = (entry.data.get("stage") or 1) if kind == "checkin" else stage
                    found.append((entry, text, where))
        found.sort(key=lambda item: item[0].updated_at, reverse=True)
        return found[:limit]

    def _writing(self) -> None:
        t = self.t["writing"]
        pieces = self.latest_writing()
        if not pieces:
            self.page.section(t["title"], "", self._note(esc(t["none"]), "wb-empty"))
            return
        items = []
        for entry, text, stage in pieces:
            preview = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rsplit(" ", 1)[0] + " …"
            more = t["more"].format(link=self.link(stage, by_number(stage).title))
            items.append(
                f"<li><h3>{esc(t[entry.kind])}</h3>"
                f'<p class="wb-date">{esc(when(entry.updated_at, time=False))}</p>'
                f'<p class="wb-quote">{paragraphs(preview)}</p><p class="wb-hint">{more}</p></li>'
            )
        self.writing = plain.HTML(f'<ul class="wb-writing">{"".join(items)}</ul>')
        self.page.section(t["title"], "", self.writing)


def show(*, home=None, slug=None, session=None):
    """The dashboard widget (used by notebooks/06_journey.ipynb)."""
    return JourneyPage(home=home, slug=slug, session=session).widget
