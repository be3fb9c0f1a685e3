"""Stage 0 — the start page: what this is, privacy, the disclaimer, workbooks and progress."""

from __future__ import annotations

import ipywidgets as w
from babel import Locale

from .. import content, transport
from ..hub.wire import HubError
from ..progress import stage_progress
from ..registry import PRACTICE_NOTEBOOK
from ..store import check_slug
from ..text import labels
from . import hubshare, plain
from .forms import button, dropdown, text_line
from .lock import LockSection
from .markup import esc, paragraphs, therapist_notes_html
from .page import Page
from .patterns import link_html as patterns_link
from .reminders import ReminderSection
from .sharing import TherapistSection


class StartPage:
    """Builds the start page; `StartPage(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None, slug=None, session=None):
        self.page = Page(0, session, home=home, slug=slug)
        self.words = content.text("start")
        t = self.words
        page = self.page
        self.note = plain.HTML()
        page.section(t["welcome_title"], "", plain.HTML(t["welcome"]), self.note)
        self.transport = transport.chosen()  # by the practice server, or by files
        on_hub = self.transport.by_server  # on a practice server the words live on the server, not here
        privacy = hubshare.words()["client"]["privacy"] if on_hub else t["privacy"]
        page.section(t["privacy_title"], "", plain.HTML(privacy))
        page.section(t["disclaimer_title"], "", plain.HTML(t["disclaimer"]))

        self.choose = dropdown(t["choose_label"], [])
        self.open_button = button(t["open_button"], primary=True)
        page.on_click(self.open_button, self.open_chosen)
        self.new_name = text_line(t["create_label"], placeholder=t["create_placeholder"])
        self.create_button = button(t["create_button"], primary=True)
        page.on_click(self.create_button, self.create)
        self.rename_name = text_line(t["rename_label"])
        self.rename_button = button(t["rename_button"])
        page.on_click(self.rename_button, self.rename)
        # What opening, creating or renaming did is also shown under the form, where the person
        # is looking (the page's own status line, read out, is at its foot: off-screen).
        self.choose_status = plain.HTML()
        self.choose_status.add_class("wb-status-near")
        for pressed in (self.open_button, self.create_button, self.rename_button):
            pressed.on_click(lambda _button: self._echo_status())
        self.rename_box = plain.VBox([self.rename_name, self.rename_button], layout=w.Layout())
        page.section(
            t["choose_title"],
            esc(t["choose_intro"]),
            plain.HBox([self.choose, self.open_button]),
            plain.VBox([self.new_name, self.create_button]),
            self.rename_box,
            self.choose_status,
        )
        self.lock = LockSection(page, on_workbook=self.refresh)  # lock, change, unlock; open a locked one
        self.progress = plain.HTML()
        self.patterns = plain.HTML()  # a link to the patterns page, once there are two workbooks
        page.section(t["progress_title"], "", self.progress, self.patterns)
        self.language = dropdown(t["language_label"], language_options(), content.language())
        self.country = dropdown(
            t["country_label"], country_options(t["country_none"]), content.country() or ""
        )
        page.on_change(self.language, self.choose_place)
        page.on_change(self.country, self.choose_place)
        page.section(t["place_title"], esc(t["place_intro"]), plain.HBox([self.language, self.country]))
        self.reminders = ReminderSection(page)
        if on_hub:  # on a practice server: join, send and notes through the exchange
            self.hub = hubshare.ClientHub(page, self.transport, on_workbook=self.refresh)
            if _therapist(self.transport):  # a therapist who came here finds their own page at the top
                page.body.insert(0, _practice_note())
        # files: start from / share / notes (on a practice server: for when a file is wanted)
        self.therapist = TherapistSection(page, by_server=on_hub, on_workbook=self.refresh)
        self.refresh()
        self.widget = page.show()

    # -- actions -------------------------------------------------------------------------
    def choose_place(self, _value=None) -> None:
        """A language or country picked: saved with the workbook, and every page rebuilt in it."""
        language = content.language_code(self.language.value)
        country = content.country_code(self.country.value) or ""
        if language is None:
            return  # not one of ours (the widget's value came from the browser)
        if self.page.wb is not None:
            self.page.wb.set_meta("language", language)
            self.page.wb.set_meta("country", country)
        content.set_language(language)
        content.set_country(country)
        fresh = StartPage(session=self.page.session)  # this page, in the new words
        self.widget.children = fresh.widget.children
        self.widget.wb_page = fresh.page
        fresh.widget = self.widget
        fresh.page.saved(fresh.words["place_saved"])
        self.page.session.rebuild_pages()

    def open_chosen(self) -> None:
        self.page.switch(check_slug(self.choose.value))
        self.page.say(esc(self.words["opened"].format(name=self.page.wb.name)))
        self.refresh()

    def _echo_status(self) -> None:
        """The page's status line, shown again under the form (not read out twice)."""
        said = self.page.status.value.replace('role="status"', "").replace('role="alert"', "")
        self.choose_status.value = said.replace("<div ", '<div aria-hidden="true" ', 1) if said else ""

    def create(self) -> None:
        wb = self.page.session.home.create(self.new_name.value)
        slug = wb.path.stem
        wb.close()
        self.new_name.value = ""
        self.page.switch(slug)
        self.page.saved(self.words["created"])
        self.refresh()

    def rename(self) -> None:
        if self.page.slug is None:
            return
        self.page.session.home.rename(self.page.slug, self.rename_name.value)
        self.page.switch(self.page.slug)
        self.rename_name.value = ""
        self.page.saved(self.words["renamed"])
        self.refresh()

    # -- showing -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the workbook list and the progress of the open workbook."""
        t = self.words
        infos = self.page.session.home.list()
        names = labels((info.name, info.slug) for info in infos)  # look-alike names are told apart
        options = [(names[info.slug], info.slug) for info in infos] or [(t["choose_none"], None)]
        self.choose.options = options
        self.choose.value = self.page.slug if any(i.slug == self.page.slug for i in infos) else options[0][1]
        self.open_button.disabled = not infos
        self.rename_box.layout.display = None if self.page.wb else "none"
        self.progress.value = self._progress_html()
        self.patterns.value = patterns_link(self.page.session.home)
        welcome = self.page.wb.meta("welcome_note") if self.page.wb else None
        welcome_html = (
            f'<div class="wb-note"><h3>{esc(t["welcome_note_title"])}</h3><p>{paragraphs(welcome)}</p></div>'
            if welcome
            else ""
        )
        # a therapist's notes on the whole workbook (stage 0) stand beside the welcome note
        notes = (
            therapist_notes_html(self.page.wb, 0, t["workbook_notes_title"], level=3) if self.page.wb else ""
        )
        self.note.value = welcome_html + notes
        self.lock.refresh()

    def _progress_html(self) -> str:
        t = self.words
        wb = self.page.wb
        if wb is None:
            return f"<p>{esc(t['progress_none'])}</p>"
        rows = []
        for p in stage_progress(wb):
            state = {"done": t["state_done"], "started": t["state_started"]}.get(
                p.state, t["state_not_started"]
            )
            count = t["entries"].format(n=p.entries) if p.entries else ""
            rows.append(
                f'<li class="wb-progress-{p.state.replace(" ", "-")}">'
                f"{self.page.link(p.stage)} — {esc(state)}"
                f"{(' · ' + esc(count)) if count else ''}</li>"
            )
        return f'<ol class="wb-progress">{"".join(rows)}</ol><p>{self._next_step(wb)}</p>'

    def _next_step(self, wb) -> str:
        """Where to go from here: the first stage not done (in the therapist's plan, if any)."""
        t = self.words
        progress = stage_progress(wb)
        if all(p.done for p in progress):
            return t["all_done"].format(link=self.page.link(6))
        planned = [p for p in progress if p.stage not in self.page.stages_off()] or progress
        waiting = [p for p in planned if not p.done] or [p for p in progress if not p.done]
        nxt = waiting[0].stage
        started = any(p.entries or p.done for p in progress)
        return t["go_on" if started else "begin"].format(link=self.page.link(nxt))


def _therapist(server) -> bool:
    """True when the exchange says the person logged in is a therapist (hub group)."""
    try:
        return server.whoami()["therapist"]
    except HubError:
        return False


def _practice_note() -> w.HTML:
    t = hubshare.words()["therapist"]
    note = plain.HTML(
        f'<p class="wb-note">{esc(t["start_note"])} '
        f'<a href="{PRACTICE_NOTEBOOK}">{esc(content.text("sharing")["sharing"]["practice_link"])}</a></p>'
    )
    note.add_class("wb-hub-practice-note")
    return note


def language_options() -> list[tuple[str, str]]:
    """Each language offered, named in itself ("English", "español")."""
    return [(Locale.parse(code).get_display_name(code), code) for code in content.LANGUAGES]


def country_options(none: str) -> list[tuple[str, str]]:
    """ "Another country" first, then every country with a crisis line, by name."""
    named = sorted((content.country_name(code), code) for code in content.crisis_lines())
    return [(none, ""), *named]


def show(*, home=None, slug=None, session=None):
    """The start page widget (used by notebooks/00_start.ipynb)."""
    return StartPage(home=home, slug=slug, session=session).widget
