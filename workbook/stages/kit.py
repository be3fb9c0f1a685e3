"""The small kit every stage page is built from.

A page has a header (stage name, where you are, which workbook), a body, a status line
that says "Saved", previous/next links and a footer with the crisis line. Every widget
callback goes through `Page.guard`, so an error becomes a calm message on the page and a
line in the log — never a traceback — and what the person wrote stays on the page.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import functools
import html
import logging
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote

import anywidget
import ipywidgets as w
import traitlets

from .. import content, formats, registry
from ..model import InvalidEntry
from ..paths import jupyter_data_dir
from ..registry import APP_NOTEBOOK, by_number
from ..store import Entry, Home, Workbook, WorkbookError, check_slug, practice_home
from . import plain

log = logging.getLogger("workbook")

READY_CLASS = "app-ready"
TYPING_PAUSE = 1.5  # seconds of quiet before long writing is saved
LIST_LIMIT = 8  # rows a list shows before "show all": every row costs widgets and page time
CSS_FILE = jupyter_data_dir() / "voila" / "templates" / "rejection-workbook" / "static" / "widgets.css"


def esc(text: object) -> str:
    """User text made safe to show inside an HTML widget: it is data, never markup."""
    return html.escape("" if text is None else str(text), quote=True)


def paragraphs(text: object) -> str:
    """Escaped user text with its line breaks kept."""
    return "<br>".join(esc(text).splitlines())


def titled(title: object, text: object = None) -> str:
    """A list row's bold title, then its text when there is any (both escaped)."""
    return f"<strong>{esc(title)}</strong>" + (f" — {paragraphs(text)}" if text else "")


def when(iso: str | None, *, time: bool = True) -> str:
    """A stored UTC timestamp or date as a friendly local date (and time)."""
    if not iso:
        return ""
    return formats.day_time(iso) if time and len(iso) > 10 else formats.day(iso)


# Saves waiting for a pause in the typing; made at once if the kernel exits first.
_WAITING_SAVES: dict[int, Callable[[], None]] = {}


@atexit.register
def flush_waiting_saves() -> None:
    """Save, now, all writing still waiting for a pause in the typing (on the way out, or
    before the app switches stage or workbook)."""
    for flush in list(_WAITING_SAVES.values()):
        try:
            flush()
        except Exception:  # the page may be gone; the save itself is what matters
            log.exception("saving writing on the way out")


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop when we are inside a Jupyter kernel, else None.

    Only a kernel's loop is sure to keep running after a callback returns; another
    library's loop (a test's browser driver, say) may never run it.
    """
    if "ipykernel" not in sys.modules:
        return None
    from ipykernel.kernelapp import IPKernelApp

    if not IPKernelApp.initialized():
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def in_voila() -> bool:
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila/")


def query_value(query: str, name: str) -> str | None:
    """One value from a query string (`a=1&b=2`, any text from a link)."""
    try:
        values = parse_qs(query.lstrip("?"), max_num_fields=20).get(name)
    except ValueError:  # a link stuffed with fields: treat it as no link at all
        return None
    return values[0] if values else None


def query_param(name: str) -> str | None:
    """One value from the page's query string (Voilà sets QUERY_STRING; absent elsewhere)."""
    return query_value(os.environ.get("QUERY_STRING", ""), name)


def _setup_log(home: Home) -> None:
    """Send errors to the log file in `home` (one file handler, moved if the home changes)."""
    target = str(home.log_path.absolute())
    for handler in list(log.handlers):
        if getattr(handler, "baseFilename", None) == target:
            return
        if getattr(handler, "_workbook_log", False):
            log.removeHandler(handler)
            handler.close()
    try:
        home.ensure()
        home.private_log()  # 0600 like every other file here, not the umask's 0644
        handler = logging.FileHandler(target, encoding="utf-8", delay=True)
    except (OSError, WorkbookError):
        return
    handler._workbook_log = True
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


# How links between pages are written: inside the one-page app (`#reason`), from a single
# page served by Voilà into the app (`app.ipynb?workbook=…#reason`), or to the notebook
# files themselves (JupyterLab opens `02_reason.ipynb` beside the one you are in).
LINKS_APP, LINKS_VOILA, LINKS_FILES = "app", "voila", "files"


@dataclass
class Session:
    """Which home and workbook a page writes to; every page of the app shares one."""

    home: Home
    slug: str | None
    workbook: Workbook | None
    problem: str | None = None
    client: bool = False  # a therapist's read-only view of a client copy (?client=<slug>)
    links: str = LINKS_FILES
    on_switch: list[Callable[[], None]] = field(default_factory=list)

    def switch_to(self, slug: str) -> None:
        """Write to another workbook from now on and remember it as the current one.

        Writing still waiting for a pause is saved first, into the workbook it was typed
        for; then every page sharing this session is told (the app rebuilds them).
        """
        opened = self.home.open(slug)
        flush_waiting_saves()
        if self.workbook is not None:
            self.workbook.close()
        self.home.set_current(slug)
        self.slug, self.workbook, self.problem = slug, opened, None
        for callback in list(self.on_switch):
            callback()

    def rebuild_pages(self) -> None:
        """Every page sharing this session is built afresh (the language or country changed)."""
        for callback in list(self.on_switch):
            callback()


def use_saved_choices(wb: Workbook | None) -> None:
    """The language and country saved with a workbook (on the start page) apply to every
    page built for it; a workbook without a choice has the defaults."""
    if wb is not None:
        content.set_language(wb.meta("language"))
        content.set_country(wb.meta("country"))


def open_session(home: str | os.PathLike | None = None, slug: str | None = None) -> Session:
    """Find the workbook a page should write to: `slug`, else ?workbook=, else the current one.

    A bad or unknown slug from a link is never trusted: the page then opens no workbook
    and says why, rather than writing somewhere the person did not choose.
    """
    return session_for(
        Home(home), slug=slug or query_param("workbook"), client=None if slug else query_param("client")
    )


def default_links() -> str:
    """How a page outside the app links to others: into the app under Voilà, else to files."""
    return LINKS_VOILA if in_voila() else LINKS_FILES


def session_for(
    home: Home, *, slug: str | None = None, client: str | None = None, links: str | None = None
) -> Session:
    """The session for a link's `?workbook=` (`slug`) or `?client=` (a therapist's view).

    Both come from a link, so neither is trusted: a bad or unknown one opens no workbook
    and the page says why, rather than writing somewhere the person did not choose.
    """
    links = links or default_links()
    _setup_log(home)
    if client:
        return open_client(home, client, links=links)
    try:
        if slug:
            check_slug(slug)
        chosen = slug or home.current()
        if not chosen:
            return Session(home, None, None, links=links)
        return Session(home, chosen, home.open(chosen), links=links)
    except WorkbookError as exc:
        return Session(home, None, None, str(exc), links=links)


def open_client(home: Home, slug: str, *, links: str = LINKS_FILES) -> Session:
    """A read-only session on a client copy in the practice folder (see `workbook.exchange`).

    Every write to it is refused (with a calm message), whatever the page sends.
    """
    try:
        practice = practice_home(home)
        wb = practice.open(check_slug(slug), read_only=True)
    except WorkbookError as exc:
        return Session(home, None, None, str(exc), links=links)
    return Session(practice, slug, wb, client=True, links=links)


# In a read-only view the client's words sit in disabled text boxes, which Jupyter's widgets
# fade to 60%: the therapist is there to read them, so their text is shown at full strength,
# and the answer the client ticked is in bold beside its greyed-out mark (buttons stay faded:
# they can't be used here).
READONLY_CSS = (
    "<style>.wb-page:has(.wb-readonly) :is(textarea,select,input:not([type=checkbox],"
    "[type=radio],[type=range])):disabled{opacity:1;cursor:default}"
    ".wb-page:has(.wb-readonly) label:has(> input:checked:disabled){font-weight:600}</style>"
)


def _disable_inputs(widget: w.Widget | None) -> None:
    """Grey out every input under `widget` (a read-only view; writes are refused anyway).

    `None` (a part the page leaves out, e.g. the stylesheet inside the app) is passed over."""
    if widget is None:
        return
    if isinstance(widget, w.Box):
        for child in widget.children:
            _disable_inputs(child)
    elif "disabled" in widget.trait_names():
        widget.disabled = True


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


@functools.cache
def _widget_css() -> str:
    try:
        return Path(CSS_FILE).read_text(encoding="utf-8")
    except OSError:
        return ""


class _ShownBeacon(anywidget.AnyWidget):
    """An invisible widget that tells Python when the page has been drawn in a browser.

    Heavy work (pandas, charts) waits for this, so the page becomes usable first; a
    message sent before the browser connects would be lost, so the browser asks for it.
    """

    _esm = "export default { render({ model }) { model.send({ shown: true }); } };"


class _TypingKeeper(anywidget.AnyWidget):
    """An invisible widget that sends the last keystrokes of live text areas when the tab goes.

    ipywidgets in the browser holds a text area's newest value back while an earlier change
    is still on its way to the kernel, and sends it only once the kernel answers. Closed
    in that moment, the tab took the last keystrokes with it. When the page is hidden or
    closed, this sends every such held-back change at once (the kernel then saves it, or
    saves it on its way out: see `_save_waiting_writing`).
    """

    _esm = """
    export default { render({ model }) {
      let areas = [];
      const find = async () => {
        const refs = model.get("areas") || [];
        const found = await Promise.all(refs.map((ref) =>
          model.widget_manager.get_model(String(ref).replace(/^IPY_MODEL_/, "")).catch(() => null)));
        areas = found.filter(Boolean);
      };
      const flush = () => {
        for (const area of areas) {
          if (area._msg_buffer && area.comm_live) {
            const id = area.send_sync_message(area._msg_buffer, area._msg_buffer_callbacks);
            if (area.rememberLastUpdateFor) area.rememberLastUpdateFor(id);
            area._msg_buffer = null;
            area._msg_buffer_callbacks = null;
          }
        }
      };
      const hidden = () => { if (document.visibilityState === "hidden") flush(); };
      model.on("change:areas", find);
      find();
      // capture: before Voila's own beforeunload handler asks the server to stop the kernel
      window.addEventListener("pagehide", flush, true);
      window.addEventListener("beforeunload", flush, true);
      document.addEventListener("visibilitychange", hidden);
      return () => {
        model.off("change:areas", find);
        window.removeEventListener("pagehide", flush, true);
        window.removeEventListener("beforeunload", flush, true);
        document.removeEventListener("visibilitychange", hidden);
      };
    } };
    """
    areas = traitlets.List(trait=traitlets.Instance(w.Widget)).tag(sync=True, **w.widget_serialization)


class Brand(anywidget.AnyWidget):
    """An invisible widget that puts the page's language on the Voilà template around it:
    the app's name and line in its header, `<html lang>` (so screen readers read the page
    in that language) and, when given, the tab's title.

    The template's loading screen guesses the language before the kernel runs (the one
    the app last spoke in this browser, else the browser's); this corrects the guess once
    the page knows, and remembers the language for the next loading screen.
    """

    _esm = """
    export default { render({ model }) {
      const apply = () => {
        const put = (selector, text) => {
          const element = document.querySelector(selector);
          if (element && text) element.textContent = text;
        };
        put(".wb-brand-text", model.get("app_name"));
        put(".wb-brand-tagline", model.get("tagline"));
        if (model.get("title")) document.title = model.get("title");
        document.documentElement.lang = model.get("language");
        try { localStorage.setItem("wb-language", model.get("language")); } catch (e) { /* storage blocked */ }
      };
      apply();
      model.on("change", apply);
      // A page of its own says which language the browser speaks, as the app's router does
      // (the one rule: content.use_browser).
      if (model.get("asks")) model.send({ event: "language", language: navigator.language });
      return () => model.off("change", apply);
    } };
    """
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

    _esm = """
    let counter = 0;
    export default { render({ model, el }) {
      const id = "wb-scale-" + (++counter) + "-" + Math.random().toString(36).slice(2, 8);
      const body = document.createElement("div");
      body.className = "wb-scale-body";
      const label = document.createElement("label");
      label.htmlFor = id;
      const input = document.createElement("input");
      input.type = "range";
      input.id = id;
      input.step = "1";
      const out = document.createElement("output");
      out.htmlFor = id;
      out.setAttribute("aria-hidden", "true");
      const draw = () => {
        label.textContent = model.get("description");
        input.min = String(model.get("min"));
        input.max = String(model.get("max"));
        input.value = String(model.get("value"));
        input.disabled = model.get("disabled");
        input.setAttribute("aria-valuetext", input.value + " of " + input.max);
        out.textContent = input.value + " / " + input.max;
      };
      input.addEventListener("input", () => {
        out.textContent = input.value + " / " + input.max;
        input.setAttribute("aria-valuetext", input.value + " of " + input.max);
      });
      input.addEventListener("change", () => {
        model.set("value", Number(input.value));
        model.save_changes();
      });
      model.on("change", draw);
      draw();
      body.append(label, input, out);
      el.append(body);
      return () => model.off("change", draw);
    } };
    """
    value = traitlets.Int(0).tag(sync=True)
    min = traitlets.Int(0).tag(sync=True)
    max = traitlets.Int(10).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    @traitlets.validate("value")
    def _check_value(self, proposal):
        return max(self.min, min(self.max, proposal["value"]))


def need_workbook(page: Page) -> None:
    """A calm WorkbookError when the page has no workbook to save to."""
    if page.wb is None:
        raise WorkbookError(content.text("common")["need_workbook_save"])


class Page:
    """One stage page: header, status line, sections, navigation and footer.

    Build the body with `section()`, then `show()` returns the widget to display.
    """

    def __init__(self, index: int, session: Session | None = None, *, home=None, slug=None):
        self.index = index
        self.session = session or open_session(home, slug)
        use_saved_choices(self.session.workbook)  # before any word of the page is read
        self.words = content.text("common")
        self.status = plain.HTML(layout=w.Layout(min_height="1.6em"))
        self.status.add_class("wb-status")
        self.header = plain.HTML()
        self.footer = plain.HTML()
        self.footer.add_class("wb-footer")
        # "Need help now?": a widget of its own, so it can stay at the top of the screen
        # while the page scrolls (a sticky child of the page; widgets.css, .wb-help-bar)
        self.help = plain.HTML()
        self.help.add_class("wb-help-bar")
        self._on_refresh: list[Callable[[], None]] = []  # parts of the body that say the line
        self.body: list[w.Widget] = []
        self._after_shown: list[Callable[[], None]] = []
        self._next: tuple[int, str] | None = None
        self._beacon: _ShownBeacon | None = None
        self._keeper: _TypingKeeper | None = None  # sends held-back typing when the tab goes
        self._waiting_saves: dict[int, Callable[[], None]] = {}  # by id of the text area
        self._render_frame()

    def after_shown(self, callback: Callable[[], None]) -> None:
        """Run `callback` (guarded) once the page is on screen: for charts and other slow parts."""
        self._after_shown.append(self.guard(callback))
        # In the app, the app says when a page is on screen (a page built ahead is drawn
        # hidden, and its charts should wait until the person comes to it).
        if self._beacon is None and self.session.links != LINKS_APP:
            self._beacon = _ShownBeacon(layout=w.Layout(display="none"))
            self._beacon.on_msg(lambda _w, _content, _buffers: self.run_after_shown())

    def run_after_shown(self) -> None:
        """Run the waiting callbacks now (the browser calls this; tests and scripts may too)."""
        waiting, self._after_shown = self._after_shown, []
        for callback in waiting:
            callback()

    @property
    def wb(self) -> Workbook | None:
        return self.session.workbook

    @property
    def slug(self) -> str | None:
        return self.session.slug

    # -- messages ------------------------------------------------------------------
    def saved(self, what: str = "") -> None:
        """Say, visibly and to screen readers, that a change was saved."""
        stamp = formats.clock()
        text = self.words["saved"].format(what=esc(what) or self.words["saved_default"], time=stamp)
        self.say(f"✓ {text}")

    def say(self, message_html: str) -> None:
        """Show a friendly status line (our own HTML; escape any user text first)."""
        self._message_line().value = f'<div role="status" class="wb-saved">{message_html}</div>'

    def problem(self, message: str) -> None:
        """Show a calm message about something that was not saved."""
        self._message_line().value = f'<div role="alert" class="wb-problem">{esc(message)}</div>'

    def status_line(self) -> w.HTML:
        """A small status line to put right under a form's button (see `on_click(near=)`)."""
        line = plain.HTML()
        line.add_class("wb-status-near")  # not .wb-status: that stays the page's own line
        return line

    def _message_line(self) -> w.HTML:
        # While a button's callback runs, its messages go beside that button, where the
        # person is looking, rather than to the page's foot.
        return getattr(self, "_near", None) or self.status

    def guard(self, callback: Callable, *, near: w.HTML | None = None) -> Callable:
        """Wrap a widget callback: errors become a message on the page and a log line.

        With `near`, the callback's messages (saved, problems) show in that status line."""

        @functools.wraps(callback)
        def guarded(*args, **kwargs):
            outer = getattr(self, "_near", None)
            self._near = near or outer
            if near is not None:
                near.value = ""  # the last message there is about an earlier press
            try:
                return callback(*args, **kwargs)
            except (InvalidEntry, WorkbookError) as exc:
                self.problem(str(exc))
            except Exception:
                log.exception("error in %s on page %s", getattr(callback, "__name__", "?"), self.index)
                self.problem(self.words["unexpected"])
            finally:
                self._near = outer

        return guarded

    def on_click(self, button: w.Button, callback: Callable, *, near: w.HTML | None = None) -> None:
        """Run `callback` when `button` is pressed; with `near`, its messages show there."""
        guarded = self.guard(callback, near=near)

        def pressed(_button):
            self.save_waiting_writing()  # outside `near`: its message is not about this button
            guarded()

        button.on_click(pressed)

    def on_change(self, widget: w.Widget, callback: Callable) -> None:
        guarded = self.guard(callback)

        def changed(change):
            self.save_waiting_writing(but=widget)
            guarded(change["new"])

        widget.observe(changed, names="value")

    def save_waiting_writing(self, *, but: w.Widget | None = None) -> None:
        """Save now this page's writing still waiting for a pause in the typing (but `but`'s).

        The person has moved on to something else: their words are saved first, so the
        status line then tells of what they just did, not of the earlier writing."""
        for key, flush in list(self._waiting_saves.items()):
            if key != id(but):
                flush()

    def on_typing(self, widget: w.Widget, callback: Callable, delay: float = TYPING_PAUSE) -> None:
        """Save long writing while it is typed, after a short pause in the typing.

        The widget must have continuous_update=True. Outside a kernel (tests, scripts)
        each change is saved at once. A save still waiting when the kernel stops (the tab
        was closed mid-sentence and the kernel shut down) is made on the way out.
        """
        pending: dict = {}

        def flush():
            handle = pending.pop("handle", None)
            if handle is not None:
                handle.cancel()  # when saved early, the pause must not save it again
            _WAITING_SAVES.pop(id(pending), None)
            self._waiting_saves.pop(id(widget), None)
            self.guard(callback)(widget.value)

        def changed(_change):
            handle = pending.pop("handle", None)
            if handle is not None:
                handle.cancel()
            loop = _kernel_loop()
            if loop is None:
                flush()
                return
            pending["handle"] = loop.call_later(delay, flush)
            _WAITING_SAVES[id(pending)] = flush
            self._waiting_saves[id(widget)] = flush

        widget.observe(changed, names="value")
        if self._keeper is None:
            self._keeper = _TypingKeeper(layout=w.Layout(display="none"))
        self._keeper.areas = [*self._keeper.areas, widget]

    # -- building ------------------------------------------------------------------
    def section(self, title: str, intro: str = "", *children: w.Widget, level: int = 2) -> w.VBox:
        """A titled block of the page; `intro` is our own (trusted) HTML from data/text."""
        head = plain.HTML(f"<h{level}>{esc(title)}</h{level}>" + (f"<p>{intro}</p>" if intro else ""))
        box = plain.VBox([head, *children])
        box.add_class("wb-section")
        self.body.append(box)
        return box

    def switch(self, slug: str) -> None:
        """Write to another workbook from now on, and remember it as the current one."""
        self.session.switch_to(slug)
        self._render_frame()

    def set_next(self, index: int, label: str | None = None) -> None:
        """Point the page's "next" link somewhere else (e.g. where the chosen path leads)."""
        self._next = (index, label or by_number(index).title)
        self.footer.value = self._footer()

    def refresh_frame(self) -> None:
        """Draw the header, the help link and the footer again (the crisis line of another
        country), and the parts of the body that say the crisis line (`on_refresh`)."""
        self._render_frame()
        for callback in list(self._on_refresh):
            self.guard(callback)()

    def on_refresh(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the frame is drawn again (e.g. a crisis line in the body)."""
        self._on_refresh.append(callback)

    def _render_frame(self) -> None:
        self.header.value = self._header()
        self.help.value = crisis_link_html()
        self.footer.value = self._footer()

    def _header(self) -> str:
        here = by_number(self.index)
        method = registry.method_stages()
        where = self.words["where"].format(n=self.index, total=len(method)) if here.in_method else ""
        off = self.stages_off()
        nav = " ".join(
            self.link(
                i,
                css=" ".join(
                    c for c in ("wb-current" if i == self.index else "", "wb-off" if i in off else "") if c
                ),
            )
            for i in (stage.number for stage in registry.STAGES)
        )
        book = (
            self.words["writing_to"].format(name=f"<strong>{esc(self.wb.name)}</strong>")
            if self.wb
            else self.words["no_workbook_here" if self.index == 0 else "no_workbook"].format(
                start=self.link(0)
            )
        )
        problem = (
            f'<p class="wb-problem" role="alert">{esc(self.session.problem)}</p>'
            if self.session.problem
            else ""
        )
        return (
            f'<nav class="wb-nav" aria-label="{esc(self.words["nav_label"])}">{nav}</nav>'
            f'<header class="wb-header"><p class="wb-where">{esc(where)}</p>'
            f'<h1>{esc(here.title)}</h1><p class="wb-book">{book}</p>{problem}</header>'
        )

    def _footer(self) -> str:
        links = []
        numbers = [stage.number for stage in registry.STAGES]  # in journey order
        at = numbers.index(self.index)
        if at > 0:
            links.append(self.link(numbers[at - 1], "← " + by_number(numbers[at - 1]).title))
        nxt = self._next or (
            (numbers[at + 1], by_number(numbers[at + 1]).title) if at + 1 < len(numbers) else None
        )
        if nxt:
            links.append(self.link(nxt[0], nxt[1] + " →", css="wb-next"))
        return (
            f'<nav class="wb-prevnext" aria-label="{esc(self.words["prevnext_label"])}">'
            + " ".join(links)
            + "</nav>"
            + crisis_html()
        )

    def _client_view(self, parts: list, style: w.Widget | None, extras: list) -> list:
        """A therapist's read-only view: a banner, inputs greyed out, unshared stages left out.

        `style` is None inside the app (the app shell carries one stylesheet for every page)."""
        words = content.text("sharing")["practice"]
        banner = plain.HTML(
            READONLY_CSS
            + f'<p class="wb-note wb-readonly">{esc(words["readonly"].format(name=self.wb.name))}</p>'
        )
        if by_number(self.index).in_method and self.index not in (self.wb.meta("shared_stages") or []):
            gone = plain.HTML(f'<p class="wb-empty">{esc(words["not_shared"].format(name=self.wb.name))}</p>')
            return [style, self.header, banner, gone, self.footer]
        for part in parts:
            if part is not self.footer and part is not self.header:
                _disable_inputs(part)
        return [style, self.header, banner, *parts[2:]]

    def _stage_extras(self) -> list[w.Widget]:
        """What every stage page ends with: a therapist's notes and prompts, and 'done'."""
        from ..progress import mark_done, stage_progress

        t = content.text("common")
        extras: list[w.Widget] = []
        notes = therapist_notes_html(self.wb, self.index, t["notes_title"])
        if notes:
            extras.append(plain.HTML(notes))
        prompts = [e for e in self.wb.entries("therapist_prompt") if e.data["stage"] == self.index]
        if prompts:
            areas = []
            for prompt in prompts:
                area = text_area(prompt["text"], rows=4, live=True)
                KeyedText(
                    self,
                    "prompt_answer",
                    "prompt_id",
                    prompt.entry_id,
                    area,
                    what=t["answer_saved"],
                )
                areas.append(area)
            extras.append(plain.VBox([plain.HTML(f"<h2>{esc(t['prompts_title'])}</h2>"), *areas]))
        done_now = any(p.done for p in stage_progress(self.wb) if p.stage == self.index)
        done = w.Checkbox(value=done_now, description=t["done_label"], indent=False)
        self.on_change(
            done,
            lambda value: (
                mark_done(self.wb, self.index, bool(value)),
                self.saved(t["done_saved"]),
            ),
        )
        extras.append(done)
        return extras

    def stages_off(self) -> set[int]:
        """Stages a therapist left out when preparing this workbook (none, usually)."""
        chosen = self.wb.meta("stages_on") if self.wb is not None else None
        if not isinstance(chosen, list):
            return set()
        return {s for s in registry.method_numbers() if s not in chosen}

    def link(self, index: int, label: str | None = None, *, css: str = "") -> str:
        """An <a> to page `index` of this session's workbook (or client copy), written the
        way this page is being read: inside the app, as a single Voilà page, or as files."""
        return page_link(
            index,
            self.slug,
            label,
            css=css,
            param="client" if self.session.client else "workbook",
            links=self.session.links,
        )

    def show(self, extra_footer: Iterable[w.Widget] = ()) -> w.VBox:
        """The whole page; its last widget carries the `app-ready` class for tests."""
        style = None if self.session.links == LINKS_APP else page_style()  # the app has one for all
        extras = self._stage_extras() if self.wb is not None and by_number(self.index).in_method else []
        body = list(self.body)
        if self.index in self.stages_off() and not self.session.client:
            body.insert(0, plain.HTML(f'<p class="wb-note">{esc(self.words["stage_off"])}</p>'))
        parts = [style, self.header, *body, *extra_footer, *extras, self.status, self.footer]
        if self.session.client and self.wb is not None:
            parts = self._client_view(parts, style, extras)
        if self._beacon is not None:
            parts.insert(0, self._beacon)
        if self._keeper is not None:
            parts.insert(0, self._keeper)
        if self.wb is None and self.index != 0:
            parts = [style, self.header, self.footer]
        parts.insert(parts.index(self.header) if self.header in parts else 0, self.help)
        box_holder: list[w.VBox] = []  # the page's box, made below
        if self.session.links == LINKS_VOILA:  # a page of its own: the template around it is ours
            title = self.words["app_title"].format(page=by_number(self.index).title)
            parts.insert(0, Brand(title, on_browser=lambda tag: self._browser_said(tag, box_holder[0])))
        self.footer.add_class(READY_CLASS)
        page = plain.VBox(
            [p for p in parts if p is not None], layout=w.Layout(max_width="52rem", margin="0 auto")
        )
        page.add_class("wb-page")
        page.wb_page = self  # the app runs the page's after_shown work when it is on screen
        box_holder.append(page)
        return page

    def _browser_said(self, tag: str | None, box: w.VBox) -> None:
        """A page of its own heard the browser's language (`navigator.language`), by the
        same rule as the app (`content.use_browser`): in another language the page is built
        again in it; in another country its crisis line is drawn again."""
        changed = content.use_browser(tag)
        if "language" in changed:
            fresh = self.built_again()
            box.children = fresh.children
            box.wb_page = fresh.wb_page
        elif "country" in changed:
            self.refresh_frame()

    def built_again(self) -> w.VBox:
        """This page built afresh for the same session (after the language changed)."""
        import importlib

        module = importlib.import_module(f"{__package__}.{by_number(self.index).module}")
        return module.show(session=self.session)


def page_style() -> w.HTML:
    """The widgets' stylesheet as a widget (the app shell puts it on its page once)."""
    style = plain.HTML(f"<style>{_widget_css()}</style>")
    style.add_class("wb-style")
    return style


def therapist_notes_html(wb: Workbook, stage: int, title: str, *, level: int = 2) -> str:
    """A therapist's notes on one stage (0: on the whole workbook) with their dates, or ""."""
    notes = [e for e in wb.entries("therapist_note") if e.data["stage"] == stage]
    if not notes:
        return ""
    items = "".join(
        f'<li><span class="wb-date">{esc(when(n.created_at))}</span><br>{paragraphs(n["text"])}</li>'
        for n in notes
    )
    return f'<div class="wb-note"><h{level}>{esc(title)}</h{level}><ul>{items}</ul></div>'


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


# -- form pieces shared by the stages ----------------------------------------------------
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

    def __init__(self, page: Page, kind: str, widgets: dict[str, w.Widget], *, what: str = ""):
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
        self, page: Page, kind: str, key_field: str, key: str, widget: w.Textarea, *, what: str = ""
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
        page: Page,
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
        page: Page,
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
        self.button = button(label, primary=True)
        self.status = page.status_line()  # "saved" (or what went wrong) right under the button
        page.on_click(self.button, self.add, near=self.status)
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
    page: Page,
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
