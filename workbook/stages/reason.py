"""Stage 2 — Look at the reason: what was said, a trait inventory rated from clear weakness
to clear strength, the picture of strengths against weaknesses, the case for and against,
and a verdict.

Everything is saved the moment it changes (kinds `reason`, `trait`, `case_point`,
`verdict`; read them back with `frames.frame(wb, kind)`). The charts are drawn once the page is
on screen (`Page.after_shown`), so pandas and plotly never slow the page's first paint,
and redrawn after every change of a rating or a mark.
"""

from __future__ import annotations

import functools
import time

import ipywidgets as w
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from .. import content, model
from ..model import InvalidEntry
from ..store import Entry
from . import plain
from .fields import ChoiceWithNote, radio
from .forms import (
    AddForm,
    EntryList,
    button,
    dropdown,
    form_and_list,
    need_workbook,
    stacked,
    text_area,
    text_line,
)
from .logfile import log
from .markup import esc, paragraphs
from .page import Page
from .plain import shared
from .search import shown_choice

SEARCH_MAX = 60
ALL = "all"  # the area filter's "all areas" (a dropdown shows None as a blank box)


def scale_label(value: int, word: str) -> str:
    """'−3 clear weakness', '0 neither', '+2 strength'."""
    number = "0" if value == 0 else f"{value:+d}".replace("-", "−")
    return f"{number} {word}"


@functools.cache
def _row_part(part: str):
    """Layouts and styles shared by every trait row (never changed after they are made):
    one model each instead of one per row keeps a long trait list quick to open."""
    return shared(
        {
            "rating": lambda: w.Layout(width="26rem"),
            "rating style": lambda: DescriptionStyle(description_width="12rem"),
            "touched": lambda: w.Layout(width="auto", margin="0 0 0 1.25rem"),
            "touched style": lambda: CheckboxStyle(),
            "note": lambda: w.Layout(flex="1 1 auto", width="auto"),
            "note style": lambda: TextStyle(description_width="initial"),
            "area": lambda: w.Layout(width="12rem", min_width="12rem"),
            "area style": lambda: HTMLStyle(),
            "top": lambda: w.Layout(flex_flow="row wrap", align_items="center"),
            "bottom": lambda: w.Layout(align_items="center"),
            "row": lambda: w.Layout(
                border="1px solid #dedad0", padding="0.4rem 0.6rem", margin="0 0 0.6rem 0"
            ),
        }[part]()
    )


class TraitRow:
    """One trait on the person's list: its rating, the 'reason touches this' mark, a note."""

    def __init__(self, stage: ReasonPage, entry: Entry):
        self.stage, self.page, self.t = stage, stage.page, stage.t["traits"]
        self.entry_id = entry.entry_id
        self.key = entry["name"]  # as kept (a suggested trait's English name)
        self.name = content.trait_label(self.key)  # as shown, in the person's language
        self.domain = entry.data.get("domain") or "other"
        t = self.t
        values = range(model.TRAIT_SCALE[0], model.TRAIT_SCALE[1] + 1)
        scale = [(scale_label(v, word), v) for v, word in zip(values, t["scale"], strict=True)]
        rating = entry.data.get("rating")
        # a native select: every step of the scale is named for screen readers and keyboards
        self.rating = w.Dropdown(
            options=scale,
            value=rating if rating in values else 0,
            description=self.name,
            layout=_row_part("rating"),
            style=_row_part("rating style"),
        )
        self.rating.add_class("wb-trait-rating")
        self.touched = w.Checkbox(
            value=bool(entry.data.get("touched")),
            description=t["touched_label"],
            indent=False,
            layout=_row_part("touched"),
            style=_row_part("touched style"),
        )
        self.note = w.Text(
            value=entry.data.get("note") or "",
            description=t["note_label"],
            placeholder=t["note_placeholder"],
            continuous_update=False,
            layout=_row_part("note"),
            style=_row_part("note style"),
        )
        self.remove = button(t["remove"])
        self.remove.tooltip = t["remove_tip"].format(name=self.name)
        area = plain.HTML(
            f'<div class="wb-trait-area" style="color:#555;text-align:right;padding-right:.6rem">{esc(content.area_word(self.domain))}</div>',
            layout=_row_part("area"),
            style=_row_part("area style"),
        )
        self.page.on_change(self.rating, lambda v: self.save(rating=v))
        self.page.on_change(self.touched, lambda v: self.save(touched=v))
        self.page.on_change(self.note, lambda v: self.save(note=v))
        self.page.on_click(self.remove, lambda: stage.remove_trait(self.entry_id))
        top = plain.HBox([self.rating, self.touched], layout=_row_part("top"))
        bottom = plain.HBox([area, self.note, self.remove], layout=_row_part("bottom"))
        self.widget = plain.VBox([top, bottom], layout=_row_part("row"))
        self.widget.add_class("wb-trait-row")

    def save(self, **changed) -> Entry:
        """Save this trait with `changed` values over the current ones (validated first).

        A value the scale does not have (a rating of 5, say) raises InvalidEntry, which the
        page shows as a calm message; nothing saved is changed.
        """
        need_workbook(self.page)
        current = self.page.wb.get(self.entry_id)
        data = {**current.data, **changed}
        entry = self.page.wb.put("trait", data, entry_id=self.entry_id)
        what_key = (
            "rating_saved"
            if "rating" in changed
            else "touched_saved"
            if "touched" in changed
            else "note_saved"
        )
        self.page.saved(self.t[what_key].format(name=self.name))
        if "rating" in changed or "touched" in changed:
            self.stage.redraw()
        return entry


class ReasonPage:
    """Builds Stage 2; `ReasonPage(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None, slug=None, session=None):
        self.page = page = Page(2, session, home=home, slug=slug)
        self.t = t = content.text("reason")
        self.rows: dict[str, TraitRow] = {}
        self._removed: str | None = None
        self.charts = None
        self.redraw_seconds: float | None = None
        page.body.append(plain.HTML(t["intro"]))
        self._reason()
        self._traits()
        self._picture()
        self._case()
        self._verdict()
        self.widget = page.show()

    # -- the reason ------------------------------------------------------------------------
    def _reason(self) -> None:
        t = self.t["reason"]
        self.status = radio(t["status_label"], t["status_options"])
        self.reason_text = text_area(t["text_label"], rows=4, placeholder=t["text_placeholder"], live=True)
        self.reason_form = ChoiceWithNote(
            self.page,
            "reason",
            ("status", self.status),
            ("text", self.reason_text),
            what=t["saved"],
            kept=t["kept"],
        )
        self.page.section(t["title"], esc(t["intro"]), self.status, self.reason_text)

    # -- the trait inventory ---------------------------------------------------------------
    def _traits(self) -> None:
        t = self.t["traits"]
        areas = [(t["area_all"], ALL)] + [(content.area_name(d), d) for d in model.TRAIT_DOMAINS]
        self.search = stacked(
            w.Text(description=t["search_label"], placeholder=t["search_placeholder"], continuous_update=True)
        )
        self.search.layout.flex = "2 1 18rem"
        self.area = dropdown(t["area_label"], areas, ALL)
        self.area.layout.width = "21rem"
        self.suggestions = stacked(w.Select(description=t["list_label"], rows=8))
        self.hint = plain.HTML()
        self.hint.add_class("wb-hint")
        self.add_button = button(t["add_button"], primary=True)
        self.own_name = text_line(t["own_label"], placeholder=t["own_placeholder"])
        self.own_name.layout.flex = "2 1 18rem"
        self.own_area = dropdown(
            t["own_area_label"], [(content.area_name(d), d) for d in model.TRAIT_DOMAINS], "other"
        )
        self.own_area.layout.width = "21rem"
        self.own_button = button(t["own_button"])
        self.mine = plain.VBox()
        self.mine.add_class("wb-list")
        self.undo = button(t["undo"], layout=w.Layout(display="none"))
        page = self.page
        page.on_change(self.search, lambda _v: self._filter())
        page.on_change(self.area, lambda _v: self._filter())
        page.on_change(self.suggestions, self._show_hint)
        page.on_click(self.add_button, self.add_selected)
        page.on_click(self.own_button, self.add_own)
        page.on_click(self.undo, self.undo_remove)
        for entry in page.wb.entries("trait") if page.wb else []:
            self.rows[entry.entry_id] = TraitRow(self, entry)
        self._render_mine()
        self._filter()
        page.section(
            t["title"],
            esc(t["intro"]),
            plain.HBox([self.search, self.area], layout=w.Layout(align_items="flex-end", grid_gap="1rem")),
            self.suggestions,
            self.hint,
            self.add_button,
            plain.HTML(f"<h3>{esc(t['own_title'])}</h3>"),
            plain.HBox(
                [self.own_name, self.own_area], layout=w.Layout(align_items="flex-end", grid_gap="1rem")
            ),
            self.own_button,
            plain.HTML(f"<h3>{esc(t['mine_title'])}</h3>"),
            self.mine,
            self.undo,
        )

    def _my_names(self) -> set[str]:
        return {row.key.casefold() for row in self.rows.values()}

    def _filter(self) -> None:
        query = " ".join((self.search.value or "")[:SEARCH_MAX].split()).casefold()
        area = self.area.value
        mine = self._my_names()
        found = [
            tr
            for tr in content.traits()
            if (area in (None, ALL) or tr.domain == area)
            and (query in tr.label.casefold() or (query and query in tr.hint.casefold()))
            and tr.name.casefold() not in mine
        ]
        # The name typed first, then names that start with it; only that is picked by itself.
        found.sort(key=lambda tr: (tr.label.casefold() != query, not tr.label.casefold().startswith(query)))
        self.suggestions.options = [(f"{tr.label} · {content.area_word(tr.domain)}", tr.name) for tr in found]
        names = [tr.label.casefold() for tr in found]
        picked = shown_choice(query, names)
        self.suggestions.value = found[names.index(picked)].name if picked else None
        self._show_hint(self.suggestions.value)
        self.add_button.disabled = not found
        if not found:
            # Say so, and leave "A trait of my own" alone: a search is not a trait yet.
            self.hint.value = f"<p>{esc(self.t['traits']['none_found'])}</p>"

    def _show_hint(self, name) -> None:
        known = {tr.name: tr for tr in content.traits()}.get(name)
        self.hint.value = (
            f"<p><strong>{esc(known.label)}</strong> ({esc(content.area_word(known.domain))}): {esc(known.hint)}</p>"
            if known
            else ""
        )

    def add_selected(self) -> Entry:
        """Add the highlighted suggestion to the person's list, rated 'neither' for now."""
        t = self.t["traits"]
        name = self.suggestions.value
        if not name:
            raise InvalidEntry(t["pick_first"])
        known = {tr.name: tr for tr in content.traits()}.get(name)
        if known is None:
            raise InvalidEntry(t["unknown"])
        entry = self.add_trait(known.name, known.domain)
        self.search.value = ""
        return entry

    def add_own(self) -> Entry:
        """Add the person's own trait in the chosen area."""
        entry = self.add_trait(self.own_name.value, self.own_area.value)
        self.own_name.value = ""
        return entry

    def add_trait(self, name, domain) -> Entry:
        """Save a new trait rated 0 ('neither'); refused calmly if it is already listed."""
        need_workbook(self.page)
        t = self.t["traits"]
        clean = model.validate("trait", {"name": name, "domain": domain, "rating": 0})
        clean["name"] = " ".join(clean["name"].split())
        if clean["name"].casefold() in self._my_names():
            raise InvalidEntry(t["already"].format(name=clean["name"]))
        entry = self.page.wb.put("trait", {**clean, "touched": False})
        self.rows[entry.entry_id] = TraitRow(self, entry)
        self._render_mine()
        self._filter()
        self.page.saved(t["added"].format(name=entry["name"]))
        self.redraw()
        return entry

    def remove_trait(self, entry_id: str) -> None:
        """Remove a trait (kept in the history; 'Undo remove' brings it back)."""
        row = self.rows.pop(entry_id, None)
        self.page.wb.delete(entry_id)
        self._removed = entry_id
        self.undo.layout.display = None
        self._render_mine()
        self._filter()
        self.page.saved(self.t["traits"]["removed"].format(name=row.name if row else ""))
        self.redraw()

    def undo_remove(self) -> None:
        if not self._removed:
            return
        entry = self.page.wb.restore(self._removed)
        self._removed = None
        self.undo.layout.display = "none"
        self.rows = {
            e.entry_id: self.rows.get(e.entry_id) or TraitRow(self, e) for e in self.page.wb.entries("trait")
        }
        self._render_mine()
        self._filter()
        self.page.saved(self.t["traits"]["restored"].format(name=entry["name"]))
        self.redraw()

    def _render_mine(self) -> None:
        rows = [row.widget for row in self.rows.values()]
        if not rows:
            rows = [plain.HTML(f'<p class="wb-empty">{esc(self.t["traits"]["mine_none"])}</p>')]
        self.mine.children = rows

    # -- the picture -----------------------------------------------------------------------
    def _picture(self) -> None:
        t = self.t["picture"]
        self.trait_title = plain.HTML(f"<h3>{esc(t['by_trait_title'])}</h3>")
        self.domain_title = plain.HTML(f"<h3>{esc(t['by_domain_title'])}</h3>")
        self.loading = plain.HTML(f'<p class="wb-hint">{esc(t["loading"])}</p>')
        self.picture_box = plain.VBox([self.loading])
        self.picture_box.add_class("wb-picture")
        self.page.section(t["title"], esc(t["intro"]), self.picture_box)
        self.page.after_shown(self._first_draw)

    def _first_draw(self) -> None:
        from ..charts.render import ChartView

        t = self.t["picture"]
        self.charts = (ChartView(t["by_trait_label"]), ChartView(t["by_domain_label"]))
        self.picture_box.children = [
            self.trait_title,
            self.charts[0].widget,
            self.domain_title,
            self.charts[1].widget,
        ]
        self.redraw()

    def redraw(self) -> None:
        """Draw both charts from the saved traits (only once the page is on screen)."""
        if self.charts is None or self.page.wb is None:
            return
        from ..charts import traits as trait_charts
        from ..frames import frame

        started = time.perf_counter()
        traits = frame(self.page.wb, "trait")
        by_trait, by_domain = self.charts
        by_trait.draw(functools.partial(trait_charts.by_trait, traits), trait_charts.trait_summary(traits))
        by_domain.draw(functools.partial(trait_charts.by_domain, traits), trait_charts.domain_summary(traits))
        self.redraw_seconds = time.perf_counter() - started
        log.debug("stage 2 charts redrawn in %.3f s", self.redraw_seconds)

    # -- the case for and against ----------------------------------------------------------
    def _case(self) -> None:
        t = self.t["case"]
        columns = []
        self.case_forms: dict[str, AddForm] = {}
        self.case_lists: dict[str, EntryList] = {}
        for side in model.CASE_SIDES:
            form, points = form_and_list(
                self.page,
                "case_point",
                {"text": text_area(t[f"{side}_label"], rows=3, placeholder=t[f"{side}_placeholder"])},
                lambda e: paragraphs(e["text"]),
                button=t[f"add_{side}"],
                saved=t["saved"],
                empty=t[f"{side}_none"],
                fixed={"side": side},
                keep=functools.partial(lambda s, e: e.data.get("side") == s, side),
                newest_first=False,
            )
            self.case_forms[side], self.case_lists[side] = form, points
            column = plain.VBox(
                [plain.HTML(f"<h3>{esc(t[f'{side}_title'])}</h3>"), form.widget, points.widget],
                layout=w.Layout(flex="1 1 20rem", min_width="16rem"),
            )
            column.add_class(f"wb-case-{side}")
            columns.append(column)
        both = plain.HBox(columns, layout=w.Layout(flex_flow="row wrap", grid_gap="1.5rem"))
        self.page.section(t["title"], esc(t["intro"]), both)

    # -- the verdict -----------------------------------------------------------------------
    def _verdict(self) -> None:
        t = self.t["verdict"]
        self.verdict = radio(t["label"], t["options"])
        self.verdict_note = text_area(t["note_label"], rows=3, placeholder=t["note_placeholder"], live=True)
        self.verdict_form = ChoiceWithNote(
            self.page,
            "verdict",
            ("value", self.verdict),
            ("note", self.verdict_note),
            what=t["saved"],
            kept=t["kept"],
        )
        kind_note = plain.HTML(
            '<p class="wb-kind-note" role="note" style="border-left:4px solid #0072B2;'
            f'padding:.25rem 0 .25rem .9rem">{esc(t["kind_note"])}</p>'
        )
        self.page.section(
            t["title"],
            esc(t["intro"]),
            self.verdict,
            kind_note,
            self.verdict_note,
            plain.HTML(f"<p>{esc(t['next'])}</p>"),
        )


def show(*, home=None, slug=None, session=None):
    """The Stage 2 widget (used by notebooks/02_reason.ipynb)."""
    return ReasonPage(home=home, slug=slug, session=session).widget
