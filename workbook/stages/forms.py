"""Form pieces shared by the stages: labelled inputs, and forms bound to a page's workbook.

- inputs: `text_area`, `text_line`, `dropdown`, `date_picker`, `button`, `StagePicker`;
- bound to entries: `SingleForm` (one entry's fields), `KeyedText` (one answer per key),
  `EntryList` (a list with Remove and Undo), `AddForm` and `form_and_list`.

A bound form is given the page it sits on (a `stages.page.Page`); it uses only the part of
a page described by `FormPage`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Protocol

import ipywidgets as w

from .. import content, registry
from ..store import Entry, Workbook, WorkbookError
from . import plain
from .markup import esc

LIST_LIMIT = 8  # rows a list shows before "show all": every row costs widgets and page time


class FormPage(Protocol):
    """What a form needs of the page it is on (`stages.page.Page` is one)."""

    words: dict

    @property
    def wb(self) -> Workbook | None: ...

    def saved(self, what: str = "") -> None: ...

    def status_line(self) -> w.HTML: ...

    def on_click(self, button: w.Button, callback: Callable, *, near: w.HTML | None = None) -> None: ...

    def on_change(self, widget: w.Widget, callback: Callable) -> None: ...

    def on_typing(self, widget: w.Widget, callback: Callable) -> None: ...


def need_workbook(page: FormPage) -> None:
    """A calm WorkbookError when the page has no workbook to save to."""
    if page.wb is None:
        raise WorkbookError(content.text("common")["need_workbook_save"])


def stacked(widget: w.Widget) -> w.Widget:
    """Put a widget's label above it (for text areas and wide inputs)."""
    widget.add_class("wb-stacked")
    widget.style.description_width = "initial"
    widget.layout.width = "100%"
    return widget


def text_area(label: str, *, rows: int = 4, placeholder: str = "", live: bool = False) -> w.Textarea:
    """A labelled text area. It reports its value when the person leaves it, or with
    `live=True` as they type (for long writing, saved after a pause: see Page.on_typing)."""
    return stacked(w.Textarea(description=label, placeholder=placeholder, rows=rows, continuous_update=live))


def text_line(label: str, *, placeholder: str = "", value: str = "") -> w.Text:
    """A labelled one-line text box that reports its value when the person leaves it."""
    return stacked(
        w.Text(value=value or "", description=label, placeholder=placeholder, continuous_update=False)
    )


def dropdown(label: str, options, value=None) -> w.Dropdown:
    """A labelled dropdown; `options` may be (label, value) pairs."""
    widget = w.Dropdown(options=options, value=value, description=label)
    widget.style.description_width = "initial"
    return widget


class StagePicker:
    """A label and one checkbox per stage of the method ("2. Look at the reason").
    `boxes` holds the checkboxes by stage number; `widget` is what the page shows."""

    def __init__(self, label_html: str, *, checked: bool):
        names = content.text("sharing")["stages"]
        self.boxes = {
            s: w.Checkbox(value=checked, description=f"{s}. {names[str(s)]}", indent=False)
            for s in registry.method_numbers()
        }
        self.widget = plain.VBox([plain.HTML(label_html), *self.boxes.values()])
        self.widget.add_class("wb-stage-picker")


def date_picker(label: str, value: dt.date | None = None) -> w.DatePicker:
    """A labelled date picker (the browser's own calendar input)."""
    picker = w.DatePicker(description=label, value=value)
    picker.style.description_width = "initial"
    return picker


def button(label: str, *, primary: bool = False, layout: w.Layout | None = None) -> w.Button:
    """A labelled button (`primary` for the one main action of a form). It shares its
    layout with other buttons unless given its own (to hide it from Python)."""
    btn = w.Button(
        description=label,
        button_style="primary" if primary else "",
        tooltip=label,
        style=plain.button_style(),
        layout=layout or plain.plain_layout(),
    )
    btn.add_class("wb-button")
    return btn


def action(page, label: str, callback: Callable, *, primary: bool = False) -> tuple[w.Button, w.HTML]:
    """A button and the status line under it, where what `callback` says on a press shows."""
    pressed = button(label, primary=primary)
    status = page.status_line()
    page.on_click(pressed, callback, near=status)
    return pressed, status


def widget_value(widget: w.Widget):
    """A widget's value as the store expects it (dates stay dates, blanks become None)."""
    value = widget.value
    if isinstance(value, str) and not value.strip():
        return None
    return value


class SingleForm:
    """Widgets bound to the fields of a single-entry kind (the rejection, the verdict...).

    Existing values are loaded into the widgets; a change to one field saves that field at
    once, over what is already saved — so a field the store refuses (a mistyped date, say)
    never keeps the other fields from being saved.
    """

    def __init__(self, page: FormPage, kind: str, widgets: dict[str, w.Widget], *, what: str = ""):
        self.page, self.kind, self.widgets, self.what = page, kind, widgets, what
        self.on_saved: list[Callable[[Entry], None]] = []
        current = page.wb.single(kind) if page.wb else None
        for name, widget in widgets.items():
            if current is not None and current.data.get(name) is not None:
                widget.value = _to_widget(widget, current.data[name])
            watch = page.on_typing if getattr(widget, "continuous_update", False) else page.on_change
            watch(widget, functools.partial(self._changed, name))

    def values(self) -> dict:
        return {name: widget_value(widget) for name, widget in self.widgets.items()}

    def _changed(self, name: str, _value) -> None:
        self.save(name)

    def save(self, field: str | None = None) -> Entry | None:
        """Save one changed `field` over the saved entry, or (no field) every field."""
        if self.page.wb is None:
            raise WorkbookError(content.text("common")["need_workbook_save"])
        current = self.page.wb.single(self.kind)
        if field is None or current is None:
            data = self.values() if field is None else {field: widget_value(self.widgets[field])}
        else:
            data = {**current.data, field: widget_value(self.widgets[field])}
        entry = self.page.wb.put(self.kind, data)
        self.page.saved(self.what)
        for callback in self.on_saved:
            callback(entry)
        return entry


def _to_widget(widget: w.Widget, value):
    if isinstance(widget, w.DatePicker) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


class KeyedText:
    """A text area bound to the one entry of `kind` whose `key_field` equals `key`
    (a guided-writing answer per prompt, an answer per therapist prompt)."""

    def __init__(
        self, page: FormPage, kind: str, key_field: str, key: str, widget: w.Textarea, *, what: str = ""
    ):
        self.page, self.kind, self.key_field, self.key, self.widget, self.what = (
            page,
            kind,
            key_field,
            key,
            widget,
            what,
        )
        found = self._entry()
        if found is not None:
            widget.value = found.data.get("text") or ""
        watch = page.on_typing if widget.continuous_update else page.on_change
        watch(widget, self.save)

    def _entry(self) -> Entry | None:
        if self.page.wb is None:
            return None
        matches = [e for e in self.page.wb.entries(self.kind) if e.data.get(self.key_field) == self.key]
        return matches[-1] if matches else None

    def save(self, text: str) -> Entry:
        if self.page.wb is None:
            raise WorkbookError(content.text("common")["need_workbook_save"])
        found = self._entry()
        entry = self.page.wb.put(
            self.kind,
            {self.key_field: self.key, "text": text},
            entry_id=found.entry_id if found else None,
        )
        self.page.saved(self.what)
        return entry


class EntryList:
    """A live list of one kind's entries, each with a Remove button and an Undo after removal.

    `describe(entry)` returns the row's HTML and must escape user text (use `esc`).
    """

    def __init__(
        self,
        page: FormPage,
        kind: str,
        describe: Callable[[Entry], str],
        *,
        empty: str = "",
        keep: Callable[[Entry], bool] = lambda e: True,
        newest_first: bool = True,
        limit: int = LIST_LIMIT,
    ):
        self.page, self.kind, self.describe, self.keep = page, kind, describe, keep
        self.empty, self.newest_first, self.limit = empty, newest_first, limit
        self.box = plain.VBox()
        self.box.add_class("wb-list")
        self.undo = button(page.words["undo"], layout=w.Layout(display="none"))
        self._removed: str | None = None
        page.on_click(self.undo, self._undo)
        self.on_refresh: list[Callable[[], None]] = []  # run after every redraw of the list
        self.expanded = False
        self.more = button("", layout=w.Layout())
        page.on_click(self.more, self._toggle)
        self.widget = plain.VBox([self.box, self.more, self.undo])
        self.refresh()

    def entries(self) -> list[Entry]:
        found = [e for e in self.page.wb.entries(self.kind) if self.keep(e)] if self.page.wb else []
        return list(reversed(found)) if self.newest_first else found

    def refresh(self) -> None:
        """Redraw the rows; a long list shows its first `limit` rows until asked for all."""
        found = self.entries()
        shown = found if self.expanded else found[: self.limit]
        self.more.layout.display = None if len(found) > self.limit else "none"
        label = "show_fewer" if self.expanded else "show_all"
        self.more.description = self.page.words[label].format(n=len(found))
        rows = []
        for entry in shown:
            remove = button(self.page.words["remove"])
            remove.tooltip = self.page.words["remove_tip"]
            self.page.on_click(remove, functools.partial(self._remove, entry.entry_id))
            text = plain.HTML(self.describe(entry), layout=plain.row_text_layout())
            row = plain.HBox([text, remove])
            row.add_class("wb-row")
            rows.append(row)
        if not rows and self.empty:
            rows = [plain.HTML(f'<p class="wb-empty">{esc(self.empty)}</p>')]
        self.box.children = rows
        for callback in self.on_refresh:
            callback()

    def _toggle(self) -> None:
        self.expanded = not self.expanded
        self.refresh()

    def _remove(self, entry_id: str) -> None:
        self.page.wb.delete(entry_id)
        self._removed = entry_id
        self.undo.layout.display = None
        self.page.saved(self.page.words["removed"])
        self.refresh()

    def _undo(self) -> None:
        if self._removed:
            self.page.wb.restore(self._removed)
            self._removed = None
            self.undo.layout.display = "none"
            self.page.saved(self.page.words["restored"])
            self.refresh()


class AddForm:
    """Input widgets plus an Add button that saves one new entry of `kind`.

    After a successful save the text inputs are cleared and `on_added` callbacks run;
    after a failed one everything typed stays where it was.
    """

    def __init__(
        self,
        page: FormPage,
        kind: str,
        widgets: dict[str, w.Widget],
        label: str,
        *,
        fixed: dict | None = None,
        what: str = "",
    ):
        self.page, self.kind, self.widgets, self.fixed, self.what = (
            page,
            kind,
            widgets,
            fixed or {},
            what,
        )
        self.on_added: list[Callable[[Entry], None]] = []
        # "saved" (or what went wrong) right under the button
        self.button, self.status = action(page, label, self.add, primary=True)
        self.widget = plain.VBox([*widgets.values(), self.button, self.status])
        self.widget.add_class("wb-addform")

    def add(self) -> Entry:
        if self.page.wb is None:
            raise WorkbookError(content.text("common")["need_workbook_save"])
        data = {name: widget_value(widget) for name, widget in self.widgets.items()}
        entry = self.page.wb.put(self.kind, {**data, **self.fixed})
        for widget in self.widgets.values():
            if isinstance(widget, w.Text | w.Textarea):
                widget.value = ""
        self.page.saved(self.what)
        for callback in self.on_added:
            callback(entry)
        return entry


def form_and_list(
    page: FormPage,
    kind: str,
    widgets: dict[str, w.Widget],
    describe: Callable[[Entry], str],
    *,
    button: str,
    saved: str,
    empty: str,
    fixed: dict | None = None,
    **list_options,
) -> tuple[AddForm, EntryList]:
    """An AddForm for `kind` and the EntryList of what was added, kept in step: the list is
    redrawn after each add. `list_options` go to the EntryList (keep, newest_first...)."""
    form = AddForm(page, kind, widgets, button, fixed=fixed, what=saved)
    shown = EntryList(page, kind, describe, empty=empty, **list_options)
    form.on_added.append(lambda _entry: shown.refresh())
    return form, shown
