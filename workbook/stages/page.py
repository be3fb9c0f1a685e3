"""One stage page: the `Page` every stage is built from.

A page has a header (stage name, where you are, which workbook), a body, a status line
that says "Saved", previous/next links and a footer with the crisis line. Every widget
callback goes through `Page.guard`, so an error becomes a calm message on the page and a
line in the log — never a traceback — and what the person wrote stays on the page.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import ipywidgets as w

from .. import content, formats, registry
from ..errors import Problem
from ..paths import jupyter_data_dir
from ..registry import by_number
from ..store import Home, Workbook
from . import autosave, plain
from .autosave import TYPING_PAUSE
from .crisis import crisis_html, crisis_link_html
from .forms import KeyedText, text_area
from .links import LINKS_APP, LINKS_VOILA, default_links, page_link
from .markup import esc, therapist_notes_html
from .session import Session, open_session, use_saved_choices
from .widgets import Brand, _ShownBeacon, _TypingKeeper

log = logging.getLogger("workbook")

READY_CLASS = "app-ready"
# ...and this one once what the page draws after it is on screen (its charts) is in it
DRAWN_CLASS = "app-drawn"
CSS_FILE = jupyter_data_dir() / "voila" / "templates" / "rejection-workbook" / "static" / "widgets.css"

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


@functools.cache
def _widget_css() -> str:
    try:
        return Path(CSS_FILE).read_text(encoding="utf-8")
    except OSError:
        return ""


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
        self.footer.add_class(DRAWN_CLASS)

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
            except Problem as exc:  # ours, said for the person (workbook/errors.py)
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
            autosave.WAITING_SAVES.pop(id(pending), None)
            self._waiting_saves.pop(id(widget), None)
            self.guard(callback)(widget.value)

        def changed(_change):
            handle = pending.pop("handle", None)
            if handle is not None:
                handle.cancel()
            loop = autosave.kernel_loop()
            if loop is None:
                flush()
                return
            pending["handle"] = loop.call_later(delay, flush)
            autosave.WAITING_SAVES[id(pending)] = flush
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
        locked = self.session.locked and not self.wb  # its passphrase is asked on the start page
        if self.wb:
            doing = "reading" if self.wb.read_only else "writing_to"  # a therapist's view of a copy
            book = self.words[doing].format(name=f"<strong>{esc(self.wb.name)}</strong>")
        else:
            here_or_there = "here" if self.index == 0 else "there"
            key = f"locked_{here_or_there}" if locked else f"no_workbook{'_here' if self.index == 0 else ''}"
            book = self.words[key].format(start=self.link(0))
        problem = (
            f'<p class="wb-problem" role="alert">{esc(self.session.problem)}</p>'
            if self.session.problem and not locked  # said in the line above, with where to go
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
            self._after_shown = []  # nothing of the stage is shown, so nothing waits to be drawn
        parts.insert(parts.index(self.header) if self.header in parts else 0, self.help)
        box_holder: list[w.VBox] = []  # the page's box, made below
        if self.session.links == LINKS_VOILA:  # a page of its own: the template around it is ours
            title = self.words["app_title"].format(page=by_number(self.index).title)
            parts.insert(0, Brand(title, on_browser=lambda tag: self._browser_said(tag, box_holder[0])))
        self.footer.add_class(READY_CLASS)
        if not self._after_shown:
            self.footer.add_class(DRAWN_CLASS)
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


class FolderPage(Page):
    """A page of the whole workbook folder, not a stage (the practice page, the patterns
    page): its own header (links back, a title, what it is for), writing to no workbook of
    its own, the crisis line in full at its foot. A subclass says `heading()` and how it is
    `built_again()` (after the browser's language changed it)."""

    def __init__(self, home=None):
        super().__init__(0, Session(Home(home), None, None, links=default_links()))

    def heading(self) -> tuple[list[tuple[int, str]], str, str]:
        """(the pages to link back to as (index, label), the title, one line of what it is for)."""
        raise NotImplementedError

    def _header(self) -> str:
        back, title, intro = self.heading()
        nav = " ".join(self.link(index, label) for index, label in back)
        return (
            f'<nav class="wb-nav" aria-label="{esc(self.words["nav_label"])}">{nav}</nav>'
            f'<header class="wb-header"><h1>{esc(title)}</h1><p>{esc(intro)}</p></header>'
        )  # "Need help now?" comes from the Page (its own widget, above this)

    def _footer(self) -> str:
        return crisis_html()
