"""The small browser-side widgets (anywidget) the pages are built with; the JavaScript of
each is in `js/` beside this file.

- `_ShownBeacon` says when a page has been drawn; `_TypingKeeper` sends held-back typing
  when the tab goes; `Brand` puts the page's language on the template around it.
- `Scale` and `DateField` are inputs: the browser's own range and date inputs, labelled.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets

from .. import content
from ..model import InvalidEntry

log = logging.getLogger("workbook")
JS = Path(__file__).parent / "js"


class _ShownBeacon(anywidget.AnyWidget):
    """An invisible widget that tells Python when the page has been drawn in a browser.

    Heavy work (pandas, charts) waits for this, so the page becomes usable first; a
    message sent before the browser connects would be lost, so the browser asks for it.
    """

    _esm = (JS / "shown_beacon.js").read_text(encoding="utf-8")


class _TypingKeeper(anywidget.AnyWidget):
    """An invisible widget that sends the last keystrokes of live text areas when the tab goes.

    ipywidgets in the browser holds a text area's newest value back while an earlier change
    is still on its way to the kernel, and sends it only once the kernel answers. Closed
    in that moment, the tab took the last keystrokes with it. When the page is hidden or
    closed, this sends every such held-back change at once (the kernel then saves it, or
    saves it on its way out: see `Page.save_waiting_writing` and `autosave`).
    """

    _esm = (JS / "typing_keeper.js").read_text(encoding="utf-8")
    areas = traitlets.List(trait=traitlets.Instance(w.Widget)).tag(sync=True, **w.widget_serialization)


class Brand(anywidget.AnyWidget):
    """An invisible widget that puts the page's language on the Voilà template around it:
    the app's name and line in its header, `<html lang>` (so screen readers read the page
    in that language) and, when given, the tab's title.

    The template's loading screen guesses the language before the kernel runs (the one
    the app last spoke in this browser, else the browser's); this corrects the guess once
    the page knows, and remembers the language for the next loading screen.
    """

    _esm = (JS / "brand.js").read_text(encoding="utf-8")
    language = traitlets.Unicode("en").tag(sync=True)
    app_name = traitlets.Unicode("").tag(sync=True)
    tagline = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)  # empty: the tab's title is left as it is
    asks = traitlets.Bool(False).tag(sync=True)  # send the browser's language once drawn

    def __init__(self, title: str = "", *, on_browser: Callable[[str | None], None] | None = None):
        """With `on_browser`, it is called with the browser's language tag ("en-GB") once the
        widget is drawn (anything else the page sends comes as None)."""
        super().__init__(layout=w.Layout(display="none"))
        self.reword(title)
        if on_browser is not None:
            self.asks = True
            self.on_msg(lambda _widget, message, _buffers: _browser_said(message, on_browser))

    def reword(self, title: str = "") -> None:
        """Speak the language in use now (after it changed)."""
        words = content.text("common")
        with self.hold_sync():
            self.language = content.language()
            self.app_name = words["app_name"]
            self.tagline = words["tagline"]
            self.title = title


def _browser_said(message: object, callback: Callable[[str | None], None]) -> None:
    """A Brand's message from the browser, checked (it can be anything), never raising."""
    try:
        if isinstance(message, dict) and message.get("event") == "language":
            tag = message.get("language")
            callback(tag if isinstance(tag, str) and len(tag) < 40 else None)
    except Exception:  # never a traceback on the page; the log says what happened
        log.exception("brand: the browser's language %r", message)


class Scale(anywidget.AnyWidget):
    """A labelled whole-number scale (e.g. 0-10) drawn as the browser's own range input.

    Unlike ipywidgets' IntSlider, whose handle has no accessible name, this is a real
    <input type="range"> with a <label>: screen readers announce it, and the arrow keys,
    Home and End work. Like IntSlider it has `value`, `min`, `max`, `description` and
    `disabled`; like IntSlider, a value outside min..max (e.g. from a tampered page) is
    clamped to the nearest end.
    The label is set as text, never as HTML. Styled by .wb-scale-body in widgets.css.
    """

    _esm = (JS / "scale.js").read_text(encoding="utf-8")
    value = traitlets.Int(0).tag(sync=True)
    min = traitlets.Int(0).tag(sync=True)
    max = traitlets.Int(10).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    @traitlets.validate("value")
    def _check_value(self, proposal):
        return max(self.min, min(self.max, proposal["value"]))


class DateField(anywidget.AnyWidget):
    """A labelled date drawn as the browser's own date input, which also says when a date
    was typed but not understood (half-typed, like "12/__/2027"): ipywidgets' DatePicker
    sends nothing then, so a half-typed date was dropped without a word.

    `value` is the date as "YYYY-MM-DD" ("" for none; a date or None may be set too);
    `unclear` is true while the box holds text that is not a whole date. Python never
    empties the box on its own while it is unclear, so what was typed stays to be finished.
    Laid out like ipywidgets' DatePicker (.widget-datepicker in widgets.css).
    """

    _esm = (JS / "date_field.js").read_text(encoding="utf-8")
    value = traitlets.Any("").tag(sync=True)  # always kept as text: see _as_text
    unclear = traitlets.Bool(False).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    @traitlets.validate("value")
    def _as_text(self, proposal):
        value = proposal["value"]
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return value.isoformat()
        return value[:40] if isinstance(value, str) else "?"  # anything else is no date (refused)

    def date(self, unclear: str) -> dt.date | None:
        """The date chosen (None when the box is empty); InvalidEntry(`unclear`) when the box
        holds something that isn't a whole date (half-typed, or not a date at all)."""
        text = self.value.strip()
        if self.unclear:
            raise InvalidEntry(unclear)
        if not text:
            return None
        try:
            if len(text) == len("2027-01-31"):  # the browser's own form, nothing else
                return dt.date.fromisoformat(text)
        except ValueError:
            pass
        raise InvalidEntry(unclear)
