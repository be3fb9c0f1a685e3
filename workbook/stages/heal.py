"""Stage 4 — Heal: acceptance, good qualities, boundaries, self-kindness, and a fresh check-in.

Everything is saved the moment it is made. The chart of how the feelings moved needs
pandas and plotly, so it is drawn once the page is on screen (`Page.after_shown`).
"""

from __future__ import annotations

import datetime as dt
import functools

from .. import content, model
from ..charts.render import ChartView
from ..store import Entry
from . import plain
from .checkin import CheckIn
from .forms import EntryList, SingleForm, button, date_picker, dropdown, form_and_list, text_area, text_line
from .markup import esc, paragraphs, when
from .page import Page

STAGE = 4


def _words(t: dict) -> dict:
    """A section's Add button, 'saved' and 'nothing yet' words, as `form_and_list` takes them."""
    return {"button": t["button"], "saved": t["saved"], "empty": t["none"]}


def strengths(wb) -> list[Entry]:
    """Stage 2 traits rated as strengths (rating above 0), strongest first."""
    if wb is None:
        return []
    found = [e for e in wb.entries("trait") if (e.data.get("rating") or 0) > 0]
    return sorted(found, key=lambda e: (-e.data["rating"], e.data["name"].casefold()))


class HealPage:
    """Builds Stage 4; `HealPage(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None, slug=None, session=None):
        self.page = page = Page(STAGE, session, home=home, slug=slug)
        self.t = t = content.text("heal")
        page.body.append(plain.HTML(t["intro"]))
        self.letter_back = plain.HTML(self._letter_back_html())
        page.body.append(self.letter_back)
        self._accept()
        self._qualities()
        self._boundaries()
        self._kindness()
        self._checkin()
        self.widget = page.show()

    # -- 1. accept ---------------------------------------------------------------------------
    def _accept(self) -> None:
        t = self.t["accept"]
        self.acceptance = text_area(t["label"], rows=5, placeholder=t["placeholder"], live=True)
        self.acceptance_form = SingleForm(self.page, "acceptance", {"text": self.acceptance}, what=t["saved"])
        reason = self.page.wb.single("reason") if self.page.wb else None
        status = reason.data.get("status") if reason else None
        hint = t["hint_unknown"] if status in (None, "unknown", "partly known") else t["hint_known"]
        self.page.section(
            t["title"], esc(t["intro"]), plain.HTML(f'<p class="wb-hint">{esc(hint)}</p>'), self.acceptance
        )

    # -- 2. good qualities ---------------------------------------------------------------------
    def _qualities(self) -> None:
        t = self.t["qualities"]
        self.from_traits = plain.HTML(self._strengths_html())
        self.quality_form, self.qualities = form_and_list(
            self.page,
            "quality",
            {"text": text_line(t["label"], placeholder=t["placeholder"])},
            lambda e: f"<span class='wb-quality'>{esc(e['text'])}</span>",
            **_words(t),
            newest_first=False,
        )
        self.page.section(
            t["title"],
            esc(t["intro"]),
            self.from_traits,
            plain.HTML(f"<h3>{esc(t['own_title'])}</h3>"),
            self.qualities.widget,
            self.quality_form.widget,
        )

    def _strengths_html(self) -> str:
        t = self.t["qualities"]
        found = strengths(self.page.wb)
        if not found:
            return f'<p class="wb-empty">{esc(t["traits_none"])}</p>'
        items = "".join(
            f"<li><strong>{esc(content.trait_label(e['name']))}</strong> — {esc(t['strength_' + str(min(3, e['rating']))])}</li>"
            for e in found
        )
        return f'<h3>{esc(t["from_traits"])}</h3><ul class="wb-strengths">{items}</ul>'

    # -- 3. boundaries -------------------------------------------------------------------------
    def _boundaries(self) -> None:
        t = self.t["boundaries"]
        types = [(t[f"type_{name}"], name) for name in model.BOUNDARY_TYPES]
        spans = [(t["span_now"], "for now"), (t["span_good"], "for good")]
        labels = dict((value, label) for label, value in types)
        span_labels = dict((value, label) for label, value in spans)
        self.boundary_form, self.boundaries = form_and_list(
            self.page,
            "boundary",
            {
                "type": dropdown(t["type_label"], types, types[0][1]),
                "plan": text_area(t["plan_label"], rows=3, placeholder=t["plan_placeholder"]),
                "span": dropdown(t["span_label"], spans, spans[0][1]),
            },
            lambda e: (
                f"<strong>{esc(labels.get(e['type'], e['type']))}</strong> · "
                f"{esc(span_labels.get(e['span'], e['span']))}<br>{paragraphs(e['plan'])}"
            ),
            **_words(t),
        )
        self.page.section(
            t["title"],
            t["intro"],
            self.boundary_form.widget,
            self.boundaries.widget,
            plain.HTML(f'<p class="wb-note wb-professional">{esc(t["professional"])}</p>'),
        )

    # -- 4. self-kindness ----------------------------------------------------------------------
    def _kindness(self) -> None:
        t = self.t
        worthy = plain.HTML(f'<p class="wb-worthy"><strong>{esc(t["worthy"])}</strong></p>')
        self.page.section(t["kindness"]["title"], esc(t["kindness"]["intro"]), worthy)
        self._pause()
        self._letter()
        self._acts()

    def _pause(self) -> None:
        t = self.t["pause"]
        steps = {}
        guidance = []
        for n, field in enumerate(("noticing", "common", "kindness"), start=1):
            area = text_area(t[f"step{n}_label"], rows=2)
            steps[field] = area
            guidance.append(
                plain.HTML(f"<h4>{esc(t[f'step{n}_title'])}</h4><p>{esc(t[f'step{n}_text'])}</p>")
            )
            guidance.append(area)
        self.pause_form, self.pauses = form_and_list(
            self.page, "compassion_pause", steps, self._describe_pause, **_words(t)
        )
        self.pause_form.widget.children = [*guidance, self.pause_form.button]
        self.page.section(
            t["title"],
            esc(t["intro"]),
            self.pause_form.widget,
            plain.HTML(f"<h4>{esc(t['past_title'])}</h4>"),
            self.pauses.widget,
            level=3,
        )

    def _describe_pause(self, e: Entry) -> str:
        t = self.t["pause"]
        said = [paragraphs(e[f]) for f in ("noticing", "common", "kindness") if e[f]]
        body = "<br>".join(f'<span class="wb-quote">{s}</span>' for s in said) or esc(t["wordless"])
        return f'<span class="wb-date">{esc(when(e.created_at))}</span><br>{body}'

    def _letter(self) -> None:
        t = self.t["letter"]
        self.letter = text_area(t["label"], rows=10, placeholder=t["placeholder"], live=True)
        self.letter_id: str | None = None
        self.new_letter = button(t["new_button"])
        self.page.on_typing(self.letter, self.save_letter)
        self.page.on_click(self.new_letter, self.start_new_letter)
        self.letters = EntryList(self.page, "letter", self._describe_letter, empty=t["none"])
        self.page.section(
            t["title"],
            esc(t["intro"]),
            self.letter,
            self.new_letter,
            plain.HTML(f"<h4>{esc(t['past_title'])}</h4>"),
            self.letters.widget,
            level=3,
        )

    def _describe_letter(self, e: Entry) -> str:
        return f'<span class="wb-date">{esc(when(e.created_at))}</span><br><span class="wb-quote">{paragraphs(e["text"])}</span>'

    def save_letter(self, text) -> Entry | None:
        """Save the letter being written (the first words make a new letter)."""
        if self.page.wb is None:
            raise model.InvalidEntry(content.text("common")["need_workbook"])
        if not isinstance(text, str) or not text.strip():
            return None
        if self.letter_id is not None and self.page.wb.get(self.letter_id).deleted:
            self.letter_id = None  # removed from the list while being written: start again
        entry = self.page.wb.put("letter", {"text": text}, entry_id=self.letter_id)
        self.letter_id = entry.entry_id
        self.page.saved(self.t["letter"]["saved"])
        self.letters.refresh()
        return entry

    def start_new_letter(self) -> None:
        """Keep the letter written so far and clear the page for a new one."""
        if self.letter.value.strip():
            self.save_letter(self.letter.value)
        self.letter_id = None
        self.letter.value = ""

    def _letter_back_html(self) -> str:
        """An offer to reread the latest letter written on an earlier day."""
        wb = self.page.wb
        if wb is None:
            return ""
        today = dt.date.today()
        earlier = [e for e in wb.entries("letter") if _local_day(e.created_at) < today]
        if not earlier:
            return ""
        t = self.t["letter_back"]
        latest = earlier[-1]
        return (
            f'<aside class="wb-note wb-letter-back"><h2>{esc(t["title"])}</h2>'
            f"<p>{esc(t['intro'].format(date=when(latest.created_at, time=False)))}</p>"
            f"<details><summary>{esc(t['open'])}</summary>"
            f'<p class="wb-quote">{paragraphs(latest["text"])}</p></details></aside>'
        )

    def _acts(self) -> None:
        t = self.t["acts"]
        self.act_form, self.acts = form_and_list(
            self.page,
            "kind_act",
            {
                "done_on": date_picker(t["date_label"], dt.date.today()),
                "text": text_line(t["text_label"], placeholder=t["placeholder"]),
            },
            lambda e: f'<span class="wb-date">{esc(when(e["done_on"]))}</span> — {paragraphs(e["text"])}',
            **_words(t),
        )
        self.page.section(t["title"], esc(t["intro"]), self.act_form.widget, self.acts.widget, level=3)

    # -- 5. a fresh check-in and how the feelings moved ------------------------------------------
    def _checkin(self) -> None:
        t = self.t["checkin"]
        self.checkin = CheckIn(self.page, stage=STAGE)
        self.chart = ChartView(t["chart_label"])
        self.chart_note = plain.HTML()
        self.page.on_click(self.checkin.save_button, self.draw_chart)  # runs after the check-in is saved
        self.page.section(
            t["title"],
            esc(t["intro"]),
            self.checkin.widget,
            plain.HTML(f"<h3>{esc(t['chart_title'])}</h3>"),
            self.chart_note,
            self.chart.widget,
        )
        self.page.after_shown(self.draw_chart)

    def draw_chart(self) -> None:
        """Draw how each feeling moved over every check-in (Stage 1 and since)."""
        from ..charts import emotions as chart
        from ..frames import emotions

        t = self.t["checkin"]
        df = emotions(self.page.wb) if self.page.wb is not None else None
        count = 0 if df is None else chart.checkin_count(df)
        if count == 0:
            self.chart_note.value = f'<p class="wb-empty">{esc(t["chart_none"])}</p>'
            return
        note = t["chart_one"] if count == 1 else t["chart_note"]
        self.chart_note.value = f'<p class="wb-hint">{esc(note)}</p>'
        self.chart.draw(functools.partial(chart.figure, df), chart.summary(df))


def _local_day(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso).astimezone().date()


def show(*, home=None, slug=None, session=None):
    """The Stage 4 widget (used by notebooks/04_heal.ipynb)."""
    return HealPage(home=home, slug=slug, session=session).widget
