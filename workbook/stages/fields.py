"""Fields shared by several stage pages (the reason, the verdict, the path): radio buttons,
and a choice with a note saved as one entry, whose words are kept as a draft until the
choice is made."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from .. import model
from ..store import Entry
from .forms import need_workbook
from .markup import esc
from .page import Page


def radio(label: str, options, value=None) -> w.RadioButtons:
    """Labelled radio buttons with nothing chosen until the person chooses."""
    widget = w.RadioButtons(options=[tuple(o) for o in options], value=value, description=label)
    widget.style.description_width = "initial"
    widget.layout.width = "auto"
    return widget


class ChoiceWithNote:
    """A single-entry kind made of one choice and one text (the reason, the verdict, the path).

    The entry is saved whenever either changes. Words written before anything is chosen
    are kept in the workbook as a draft (`draft_key`), so a closed tab loses nothing, and
    saved into the entry as soon as a choice is made.
    """

    def __init__(
        self,
        page: Page,
        kind: str,
        choice: tuple[str, w.Widget],
        text: tuple[str, w.Widget],
        *,
        what: str,
        kept: str,
    ):
        self.page, self.kind, self.what, self.kept = page, kind, what, kept
        (self.choice_field, self.choice), (self.text_field, self.text) = choice, text
        self.draft_key = f"draft_{kind}"
        self.on_saved: list[Callable[[Entry], None]] = []
        current = page.wb.single(kind) if page.wb else None
        if current is not None:
            if current.data.get(self.choice_field) is not None:
                self.choice.value = current.data[self.choice_field]
            self.text.value = current.data.get(self.text_field) or ""
        elif page.wb is not None:
            draft = page.wb.meta(self.draft_key)
            if isinstance(draft, str):
                self.text.value = draft[: model.LONG_TEXT]
        page.on_change(self.choice, lambda _v: self.save())
        watch = page.on_typing if self.text.continuous_update else page.on_change
        watch(self.text, lambda _v: self.save())

    def save(self) -> Entry | None:
        """Save the choice and text; returns the entry, or None when only a draft was kept."""
        need_workbook(self.page)
        wb = self.page.wb
        value, words = self.choice.value, self.text.value
        if value is None:
            if words and words.strip():
                # check the length the same way the entry will be checked later
                model.validate(self.kind, {self.choice_field: self.first_choice, self.text_field: words})
                wb.set_meta(self.draft_key, words)
                self.page.say(f"✓ {esc(self.kept)}")
            return None
        entry = wb.put(self.kind, {self.choice_field: value, self.text_field: words})
        if wb.meta(self.draft_key) is not None:
            wb.set_meta(self.draft_key, None)
        self.page.saved(self.what)
        for callback in self.on_saved:
            callback(entry)
        return entry

    @property
    def first_choice(self):
        return model.kind(self.kind).field_map[self.choice_field].choices[0]
