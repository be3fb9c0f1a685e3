"""The app: every page of the workbook on one Voilà page, in one kernel.

The address bar says which page is shown (``app.ipynb?workbook=…#reason``); a small
browser-side `Router` reports it, and the shell shows that page. A page is built the
first time it is shown and then kept on the page, hidden while another is shown, so
coming back to it is instant. If anything was written to the workbook since the person
left a page (on another page, or in another tab), that page is built afresh from the
store when they come back, so it is never out of date.

The single-page notebooks (``00_start.ipynb`` …) are built from the same stage modules;
this module only adds the routing around them.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets

from .. import cipher, content
from ..charts.render import CALM_LAYOUT, mimebundle
from ..hubfacts import CHARTS_ENV, CHARTS_LATER
from ..registry import STAGES, Stage, by_key
from ..store import Home
from . import plain
from .autosave import flush_waiting_saves
from .links import LINKS_APP
from .lock import folder_idle_minutes, idle_minutes
from .markup import esc
from .page import page_style
from .plain import SHARED_WIDGETS
from .query import query_value
from .session import Session, session_for
from .widgets import Brand

log = logging.getLogger("workbook")


JS = Path(__file__).parent / "js"


def load_chart_libraries() -> None:
    """pandas and plotly for the charts (about 60 MB of the kernel's memory)."""
    import plotly.graph_objects as go

    for charts in ("traits", "goals", "journey"):
        importlib.import_module(f"workbook.charts.{charts}")
    importlib.import_module("workbook.frames")
    # plotly builds its validators the first time a figure is turned into JSON (~0.2 s).
    mimebundle(go.Figure(go.Bar(x=[0], y=[""]), layout=CALM_LAYOUT))


@functools.cache
def warm_up() -> None:
    """Import every page's module, and on one computer the chart libraries too, so no page
    waits for them. `show()` does it first: with a preheated kernel that happens before
    anyone opens the app. A practice server, where many people share the memory, loads the
    chart libraries when someone first comes to a chart. Importing this module does neither.
    """
    for stage in STAGES:
        importlib.import_module(f"{__package__}.{stage.module}")
    if os.environ.get(CHARTS_ENV) != CHARTS_LATER:
        load_chart_libraries()


HEARTBEAT_SECONDS = 15  # how often the page checks that its kernel still answers
ANSWER_SECONDS = 20  # a busy kernel (a big import, say) may take a while to answer


class Router(anywidget.AnyWidget):
    """Tells Python where the browser is (the route in the address bar) and keeps the
    address bar in step with what Python shows; checks that the kernel still answers.

    Messages from the browser: {"event": "location", "hash", "search"} when the page opens
    and whenever the hash changes (links, back and forward), and {"event": "ping"}. Each
    carries `seq`, the number of times the person has touched a control so far.
    To the browser: {"event": "shown", "key", "title", "fresh", "seq"} after a page is
    shown, {"event": "workbook", "param", "slug"} when another workbook is opened,
    {"event": "pong"}.

    Switching to a page that is built and up to date (`fresh`) happens in the browser
    alone, at once; Python hears of it a moment later, as of any other move. `fresh` is
    only believed while nothing was touched since Python worked it out (`seq` the same):
    a change on one page may put others out of date, and then Python shows them.
    """

    _esm = (JS / "router.js").read_text(encoding="utf-8")
    _css = (JS / "router.css").read_text(encoding="utf-8")
    routes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    titles = traitlets.Dict(value_trait=traitlets.Unicode()).tag(sync=True)  # the tab's title, by route
    heartbeat = traitlets.Int(HEARTBEAT_SECONDS).tag(sync=True)
    answer_within = traitlets.Int(ANSWER_SECONDS).tag(sync=True)
    lost_text = traitlets.Unicode("").tag(sync=True)
    reload_label = traitlets.Unicode("").tag(sync=True)


@dataclass
class Shown:
    """A page that has been built: its widget, and the workbook's version when last seen."""

    widget: w.Widget
    version: object


class App:
    """The whole app on one page. `App(...).widget` is what `notebooks/app.ipynb` shows.

    The start page is built at once (with preheated kernels that happens before anyone
    asks for the page); the browser then says which page and workbook its address names.
    While the person reads, in the browser's idle moments, the other pages are built
    hidden, one at a time, and pages that went out of date are built afresh, so moving
    between pages rarely waits for anything.
    """

    def __init__(self, *, home=None):
        self.home = Home(home)
        self.router = Router(routes=[s.key for s in STAGES], layout=w.Layout(display="none"))
        self.brand = Brand()  # the Router names the tab, page by page
        self._reword()
        self.router.on_msg(self._message)
        self.holder = plain.VBox()
        self.holder.add_class("wb-stages")  # and wb-show-<key>, for the page shown (see _switch_css)
        self.holder_css = ""  # the holder's wb-show-<key> class: the page it shows
        self.shown: dict[str, Shown] = {}
        self.leaving: list[w.Widget] = []  # pages taken off, their widgets to be closed
        self.current: str | None = None
        self.connected = False  # until the browser has said where it is
        self.request: tuple[str | None, str | None] = (None, None)  # (?workbook=, ?client=)
        self.seq: int | None = None  # how many touches the browser had counted when it last spoke
        self.touched_at, self.touch_mark = time.monotonic(), None  # the last touch, or writing, seen
        self.session = self._open_session(None, None)
        self.show(STAGES[0].key)
        self.connected = False
        self.widget = plain.VBox(
            [
                page_style(),
                plain.HTML(f"<style>{_switch_css()}</style>"),
                self.router,
                self.brand,
                self.holder,
            ]
        )
        self.widget.add_class("wb-app-shell")

    # -- the browser -------------------------------------------------------------------
    def _message(self, _widget, message, _buffers) -> None:
        try:
            if not isinstance(message, dict):
                return
            event = message.get("event")
            seq = message.get("seq")
            self.seq = (
                seq if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < 2**53 else None
            )
            if self.lock_if_idle():
                return
            if event == "ping":
                self.router.send({"event": "pong"})
            elif event == "location":
                self._browser_language(message.get("language"))
                self.go(message.get("hash"), message.get("search"))
            elif event == "idle" and self.connected:
                self.build_ahead()
            elif event == "drawn" and message.get("key") == self.current and self.current in self.shown:
                self._drawn(self.shown[message["key"]].widget)
        except Exception:  # never a traceback on the page; the log says what happened
            log.exception("app: handling %r", message)

    def _browser_language(self, tag: object) -> None:
        """The browser's language ("es-MX") is the default language and country; pages built
        before it was known (a preheated kernel) are built again if it changes them. The
        same rule as every page of its own (`content.use_browser`)."""
        changed = content.use_browser(tag)
        if "language" in changed:
            self._forget_all()
            self._reword()
        elif "country" in changed:  # only the crisis line at the top and foot changes
            for shown in self.shown.values():
                page = getattr(shown.widget, "wb_page", None)
                if page is not None:
                    page.refresh_frame()

    def _reword(self) -> None:
        """The shell's own words (page titles, lost-connection note) in the language in use."""
        self.words = content.text("common")
        self.router.titles = {s.key: self._title(s) for s in STAGES}
        self.router.lost_text = self.words["connection_lost"]
        self.router.reload_label = self.words["connection_reload"]
        self.brand.reword()  # the template's header and the page's language

    def go(self, key: object, search: object = None) -> None:
        """Show the page at route `key` for the workbook the query (`?workbook=…`) names.

        Both come from the browser, so both are checked: an unknown route shows the start
        page, and a bad workbook name opens nothing (the page says why).
        """
        if search is not None:
            request = _workbook_request(search)
            if request != self.request:
                self.request = request
                self._reopen(*request)
        self.show(key)

    # -- pages ---------------------------------------------------------------------------
    def show(self, key: object) -> None:
        """Show one page: at once if it is built and up to date, else built now."""
        stage = by_key(key) or STAGES[0]
        flush_waiting_saves()  # writing waiting for a pause belongs to the page it was typed on
        now = self._version()
        moved, was_connected = self.current != stage.key, self.connected
        if self.current in self.shown and moved and self.connected:
            # it shows its own changes; not so a page built before anyone connected (a preheated
            # kernel): the workbook may have changed since (notes brought in by open-return)
            self.shown[self.current].version = now
        # The page on screen is up to date; any other may not be. So is a page built
        # before the browser asked for it (a preheated kernel builds it early).
        if moved or not self.connected or stage.key not in self.shown:
            self._ensure(stage, now)
        self.connected = True
        with self.holder.hold_sync():  # one message: CSS does the rest
            self.holder.remove_class(self.holder_css).add_class(f"wb-show-{stage.key}")
        self.holder_css = f"wb-show-{stage.key}"
        self.current = stage.key
        # Focus moves to the new page's heading only when the person moved (not on opening).
        moved = moved and was_connected
        self.router.send(
            {
                "event": "shown",
                "key": stage.key,
                "title": self._title(stage),
                "moved": moved,
                **self._fresh(now),
            }
        )

    def build_ahead(self) -> None:
        """In an idle moment: build one page not built yet, or build afresh one that went
        out of date (next pages first). Tells the browser when there may be more to do,
        and which pages it may show at once."""
        self._close_leaving()
        flush_waiting_saves()  # so the version below counts what was typed
        now = self._version()
        order = _nearest_first(self.current)
        todo = [s for s in order if s.key not in self.shown] or [
            s for s in order if s.key != self.current and self.shown[s.key].version != now
        ]
        if todo:
            self._ensure(todo[0], now)
            self.router.send({"event": "more", **self._fresh(now)})
        else:
            self.router.send({"event": "done", **self._fresh(now)})

    def _ensure(self, stage: Stage, now) -> None:
        """Make sure `stage` is built and no older than `now`."""
        found = self.shown.get(stage.key)
        if found is not None and found.version == now:
            return
        widget = self._build(stage)
        widget.add_class("wb-stage")
        widget.add_class(f"wb-stage-{stage.key}")
        old = self.shown.get(stage.key)
        self.shown[stage.key] = Shown(widget, now)
        if old is None:
            self.holder.children = (*self.holder.children, widget)
        else:  # in the old one's place
            self.holder.children = tuple(widget if c is old.widget else c for c in self.holder.children)
            self._close(old.widget)

    @staticmethod
    def _drawn(widget: w.Widget) -> None:
        """A page is on screen: now its slower parts (charts) are made."""
        page = getattr(widget, "wb_page", None)
        if page is not None:
            page.run_after_shown()

    def _build(self, stage: Stage) -> w.Widget:
        module = importlib.import_module(f"{__package__}.{stage.module}")
        try:
            return module.show(session=self.session)
        except Exception:
            log.exception("app: building page %s", stage.key)
            return plain.HTML(f'<p class="wb-problem" role="alert">{esc(self.words["page_failed"])}</p>')

    def _fresh(self, now) -> dict:
        """The pages the browser may show without asking (built, and up to date at `now`),
        and the touch count that holds for."""
        keys = [key for key, page in self.shown.items() if page.version == now or key == self.current]
        return {"fresh": keys, "seq": self.seq}

    def _title(self, stage: Stage) -> str:
        return self.words["app_title"].format(page=stage.title)

    def _version(self):
        return self.session.workbook.version() if self.session.workbook is not None else None

    def _forget_all(self, *, but: str | None = None) -> None:
        """Take built pages off the app (all, or all but one) and free their widgets."""
        gone = [self.shown.pop(k) for k in list(self.shown) if k != but]
        kept = {id(s.widget) for s in self.shown.values()}
        self.holder.children = tuple(c for c in self.holder.children if id(c) in kept)
        for page in gone:
            self._close(page.widget)

    def _close(self, old: w.Widget) -> None:
        """Free, soon, the widgets of a page no longer on the app. Not at once: the browser
        may still be setting up some of them, and a widget closed under it is an error
        there. They go at the browser's next idle moment, when it has caught up."""
        self.leaving.append(old)

    def _close_leaving(self) -> None:
        if not self.leaving:
            return  # (walking every widget of the app is not free)
        keep = _reachable(self.widget)
        leaving, self.leaving = self.leaving, []
        for page in leaving:
            for widget in _reachable(page).values():
                if id(widget) not in keep and id(widget) not in SHARED_WIDGETS:
                    widget.close()

    # -- workbooks -----------------------------------------------------------------------
    def lock_if_idle(self) -> bool:
        """A locked workbook (or a locked client's copy) left alone (no touch the browser
        counted, nothing written) for longer than its idle time (stages/lock.py) is locked again:
        this kernel forgets its key, its pages go, and the start page asks for the passphrase.
        True when it did."""
        seq = self.seq if self.seq is not None else (self.touch_mark or (None, None))[0]  # a ping has none
        mark, now = (seq, self._version()), time.monotonic()
        if mark != self.touch_mark:
            self.touched_at, self.touch_mark = now, mark
            return False
        wb, client = self.session.workbook, self.session.client
        if wb is None or not wb.locked:
            return False
        # a client's copy (?client=) locks again after the practice's idle time (the practice page's)
        minutes = folder_idle_minutes(self.session.home) if client else idle_minutes(wb)
        if now - self.touched_at < minutes * 60:
            return False
        slug = self.session.slug
        cipher.forget(wb.header)
        self._forget_all()
        wb.close()
        # locked: its passphrase is asked (a client's copy: the practice's, on the start page)
        self.session = self._open_session(None, slug) if client else self._open_session(slug, None)
        self.current = None
        self.show(STAGES[0].key)
        return True

    def _open_session(self, slug: str | None, client: str | None) -> Session:
        session = session_for(self.home, slug=slug, client=client, links=LINKS_APP)
        session.on_switch.append(self._switched)
        return session

    def _reopen(self, slug: str | None, client: str | None) -> None:
        """The address names another workbook (or a client's copy) than the one open."""
        wanted = client or slug or self.home.current()
        if self.session.slug == wanted and self.session.client == bool(client) and not self.session.problem:
            return
        self._forget_all()
        if self.session.workbook is not None:
            self.session.workbook.close()
        self.session = self._open_session(slug, client)
        self.current = None

    def _switched(self) -> None:
        """The start page opened or made another workbook: the other pages belong to the
        old one, so they go; the address bar now names the new one."""
        self._forget_all(but=self.current)
        self._reword()  # the start page may have changed the language
        self.request = (self.session.slug, None)
        self.router.send({"event": "workbook", "param": "workbook", "slug": self.session.slug})


def _switch_css() -> str:
    """Only the page the app is showing is displayed. The browser says which in an attribute
    on the document (so it can switch without asking Python); until it has, the holder's
    class does.

    The other pages stay laid out but skipped (`content-visibility: hidden`) and out of the
    flow, rather than `display: none`: the browser keeps what it worked out for them, so
    coming back to one costs about half the style and layout work. `visibility: hidden` keeps
    them from screen readers, the keyboard and the mouse, and is cheap to change. Browsers
    without `content-visibility` get `display: none`."""
    shown = ", ".join(
        f"html:not([data-wb-show]) .wb-stages.wb-show-{s.key} > .wb-stage-{s.key}, "
        f'html[data-wb-show="{s.key}"] .wb-stages > .wb-stage-{s.key}'
        for s in STAGES
    )
    return f"""
.wb-stages {{ position: relative; }}
.wb-stages > .wb-stage {{
  content-visibility: hidden; visibility: hidden; position: absolute; top: 0; left: 0; right: 0;
}}
{shown} {{ content-visibility: visible; visibility: visible; position: relative; }}
@supports not (content-visibility: hidden) {{
  .wb-stages > .wb-stage {{ display: none; }}
  {shown} {{ display: flex; }}
}}
"""


def _nearest_first(key: str | None) -> list[Stage]:
    """Every page, the ones after `key` first (where people usually go next), then before."""
    here = next((s.number for s in STAGES if s.key == key), 0)
    return sorted(STAGES, key=lambda s: (s.number < here, abs(s.number - here)))


def _workbook_request(search: object) -> tuple[str | None, str | None]:
    """(?workbook=, ?client=) from the browser's query string (any text: it is checked later)."""
    if not isinstance(search, str) or len(search) > 2000:
        return None, None
    client = query_value(search, "client")
    return (None, client) if client else (query_value(search, "workbook"), None)


def _reachable(root: w.Widget) -> dict[int, w.Widget]:
    """Every widget `root` shows or refers to (children, layouts, styles…), by id."""
    found: dict[int, w.Widget] = {}
    waiting = [root]
    while waiting:
        widget = waiting.pop()
        if id(widget) in found:
            continue
        found[id(widget)] = widget
        for name in widget.keys:
            value = getattr(widget, name, None)
            for item in value if isinstance(value, list | tuple) else (value,):
                if isinstance(item, w.Widget):
                    waiting.append(item)
    return found


def show(*, home=None):
    """The app widget (used by notebooks/app.ipynb); everything the pages need is loaded first."""
    warm_up()
    return App(home=home).widget
