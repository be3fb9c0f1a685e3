"""Stage 1 — Feel it: name the rejection, check in with feelings, process, and write."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from .. import content, model
from ..model import InvalidEntry
from . import plain
from .checkin import CheckIn, forget_undo
from .forms import (
    EntryList,
    KeyedText,
    SingleForm,
    button,
    date_picker,
    dropdown,
    form_and_list,
    text_area,
    text_line,
)
from .markup import esc, paragraphs, titled, when
from .page import Page

PERSPECTIVES = ("I", "you", "my name")  # as kept; the words are feel.toml's session.perspectives
SESSION_MINUTES = (10, 15, 20)
SECONDS_PER_TICK = 1


class FeelPage:
    """Builds Stage 1; `FeelPage(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None, slug=None, session=None):
        self.page = page = Page(1, session, home=home, slug=slug)
        self.t = t = content.text("feel")
        page.body.append(plain.HTML(t["intro"]))
        self._rejection()
        self.checkin = CheckIn(page, stage=1)
        page.section(t["checkin"]["title"], esc(t["checkin"]["intro"]), self.checkin.widget)
        self._process()
        self._why()
        self._session()
        # something new added settles any earlier removal: every "Undo remove" on the page goes
        self.checkin.on_saved.append(self._settled)
        for form in (self.plan_form, self.log_form):
            form.on_added.append(self._settled)
        self.widget = page.show()

    def _settled(self, _entry=None) -> None:
        for entries in (self.checkin.past, self.plans, self.logs, self.sessions):
            forget_undo(entries)

    # -- what happened -------------------------------------------------------------------
    def _rejection(self) -> None:
        t = self.t["rejection"]
        kinds = [(t["kind_blank"], "")] + [(label, key) for key, label in content.rejection_kinds().items()]
        self.kind = dropdown(t["kind_label"], kinds)
        self.kind.layout.width = "40rem"  # room for the label and the longest kind of rejection
        self.happened_on = date_picker(t["date_label"])
        self.description = text_area(
            t["description_label"], rows=5, placeholder=t["description_placeholder"], live=True
        )
        self.rejection_form = SingleForm(
            self.page,
            "rejection",
            {"kind": self.kind, "happened_on": self.happened_on, "description": self.description},
            what=t["saved"],
        )
        self.page.section(t["title"], esc(t["intro"]), self.kind, self.happened_on, self.description)

    # -- ways to process -------------------------------------------------------------------
    def _process(self) -> None:
        t = self.t["process"]
        names = t["ways"]  # the kept way -> the words shown
        ways = [w if names[w] == w else (names[w], w) for w in model.PROCESS_WAYS]
        self.plan_form, self.plans = form_and_list(
            self.page,
            "process_plan",
            {
                "way": dropdown(t["way_label"], ways, model.PROCESS_WAYS[0]),
                "plan": text_area(t["plan_label"], rows=2, placeholder=t["plan_placeholder"]),
            },
            lambda e: titled(names.get(e["way"], e["way"]), e["plan"]),
            button=t["plan_button"],
            saved=t["plan_saved"],
            empty=t["plans_none"],
        )
        self.log_form, self.logs = form_and_list(
            self.page,
            "process_log",
            {
                "way": dropdown(t["log_way_label"], ways, model.PROCESS_WAYS[0]),
                "done_on": date_picker(t["log_date_label"], dt.date.today()),
                "note": text_area(t["log_note_label"], rows=2),
            },
            lambda e: (
                f'<span class="wb-date">{esc(when(e["done_on"]))}</span> — {titled(names.get(e["way"], e["way"]), e["note"])}'
            ),
            button=t["log_button"],
            saved=t["log_saved"],
            empty=t["logs_none"],
        )
        self.page.section(
            t["title"],
            esc(t["intro"]),
            self.plan_form.widget,
            self.plans.widget,
            plain.HTML(f"<h3>{esc(t['log_title'])}</h3>"),
            self.log_form.widget,
            self.logs.widget,
        )

    # -- why it hurts ----------------------------------------------------------------------
    def _why(self) -> None:
        t = self.t["why"]
        self.answers = {}
        for prompt in t["prompts"]:
            area = text_area(prompt["label"], rows=4, placeholder=prompt["placeholder"], live=True)
            self.answers[prompt["key"]] = KeyedText(
                self.page, "reflection", "prompt", prompt["key"], area, what=t["saved"]
            )
        self.page.section(t["title"], esc(t["intro"]), *(a.widget for a in self.answers.values()))

    # -- timed writing ---------------------------------------------------------------------
    def _session(self) -> None:
        t = self.t["session"]
        self.minutes = dropdown(t["minutes_label"], list(SESSION_MINUTES), 15)
        self.perspective = w.ToggleButtons(
            options=[(t["perspectives"][p], p) for p in PERSPECTIVES],
            value="I",
            description=t["perspective_label"],
        )
        self.perspective.style.description_width = "initial"
        self.topic = text_line(t["topic_label"], placeholder=t["topic_placeholder"])
        self.start_button = button(t["start_button"], primary=True)
        self.stop_button = button(t["stop_button"], layout=w.Layout())
        self.clock = plain.HTML()
        self.clock.add_class("wb-clock")
        self.timer = w.Play(value=0, min=0, max=60, interval=1000 * SECONDS_PER_TICK, show_repeat=False)
        self.timer.layout.display = "none"
        self.writing = text_area(t["text_label"], rows=12, live=True)
        self.editor = plain.VBox([self.clock, self.writing, self.stop_button, self.timer], layout=w.Layout())
        self.editor.layout.display = "none"
        self.session_id: str | None = None  # the entry, once something is written
        self.writing_now = False
        self.sessions = EntryList(self.page, "writing_session", self._describe_session, empty=t["past_none"])
        self.page.on_click(self.start_button, self.start_session)
        self.page.on_click(self.stop_button, lambda: self.end_session(stopped=True))
        self.page.on_typing(self.writing, self._save_writing)
        self.page.on_change(self.timer, self._tick)
        self.page.section(
            t["title"],
            t["intro"],
            plain.HTML(f'<p class="wb-hint">{esc(t["perspective_hint"])}</p>'),
            self.minutes,
            self.perspective,
            self.topic,
            self.start_button,
            self.editor,
            plain.HTML(f"<h3>{esc(t['past_title'])}</h3>"),
            self.sessions.widget,
        )

    def _describe_session(self, e) -> str:
        text = e["text"] or ""
        preview = text[:160] + ("…" if len(text) > 160 else "")
        topic = f" · {esc(e['topic'])}" if e["topic"] else ""
        line = "past_line" if e["finished"] or e.entry_id == self.session_id else "past_line_stopped"
        return (
            f'<span class="wb-date">{esc(when(e.created_at))}</span> — '
            + esc(
                self.t["session"][line].format(
                    minutes=e["minutes"] or "?",
                    perspective=self.t["session"]["perspective_words"].get(
                        e["perspective"], e["perspective"]
                    ),
                )
            )
            + f'{topic}<br><span class="wb-quote">{paragraphs(preview)}</span>'
        )

    def _minutes_written(self, *, finished: bool) -> int:
        """The minutes written so far, as the clock showed them (at least 1); all of them when the
        time ran out. A session stopped after 30 s is kept as 1 minute, not the 15 planned."""
        planned = int(self.minutes.value)
        if finished:
            return planned
        ticks = self.timer.value if isinstance(self.timer.value, int) else 0
        return min(planned, max(1, -(-ticks * SECONDS_PER_TICK // 60)))

    def _session_data(self, *, finished: bool = False) -> dict:
        """The session as kept: `minutes` is the time really written, and `finished` says
        whether the time ran out (stopping early, or leaving, is not finishing)."""
        return {
            "minutes": self._minutes_written(finished=finished),
            "perspective": self.perspective.value,
            "topic": self.topic.value,
            "text": self.writing.value,
            "finished": finished,
        }

    def start_session(self) -> None:
        if self.page.wb is None:
            raise InvalidEntry(content.text("common")["need_workbook"])
        self.writing.value = ""
        # The session becomes an entry with its first words, not before: an unused one leaves nothing.
        self.session_id = None
        self.writing_now = True
        self.timer.max = int(self.minutes.value) * 60 // SECONDS_PER_TICK
        self.timer.value = 0
        self.timer.playing = True
        self.clock.value = self._clock_text(int(self.minutes.value) * 60)
        self.editor.layout.display = None
        self.stop_button.layout.display = None
        self.writing.disabled = False
        self.start_button.disabled = True
        self._settled()
        self.sessions.refresh()

    def _save_writing(self, _text: str) -> None:
        if not self.writing_now:
            return
        if self.session_id is None and not self.writing.value.strip():
            return
        entry = self.page.wb.put("writing_session", self._session_data(), entry_id=self.session_id)
        if self.session_id is None:
            self.session_id = entry.entry_id
            self.sessions.refresh()
        self.page.saved(self.t["session"]["saved"])

    def _clock_text(self, seconds_left: int) -> str:
        minutes, seconds = divmod(max(0, seconds_left), 60)
        return f'<p aria-live="off">{esc(self.t["session"]["left"].format(minutes=minutes, seconds=seconds))}</p>'

    def _tick(self, value) -> None:
        if not self.writing_now or not isinstance(value, int):
            return
        left = int(self.minutes.value) * 60 - value * SECONDS_PER_TICK
        if left <= 0:
            self.end_session(stopped=False)
        else:
            self.clock.value = self._clock_text(left)

    def end_session(self, *, stopped: bool) -> None:
        """Finish the session: save the writing as finished and say something kind."""
        if not self.writing_now:
            return
        self.timer.playing = False
        self.writing_now = False
        if self.writing.value.strip():
            data = self._session_data(finished=not stopped)
            self.page.wb.put("writing_session", data, entry_id=self.session_id)
        elif self.session_id is not None:  # written, then all rubbed out: nothing to keep
            self.page.wb.delete(self.session_id)
        self.session_id = None
        t = self.t["session"]
        self.clock.value = f'<p role="status">{esc(t["stopped"] if stopped else t["done"])}</p>'
        self.stop_button.layout.display = "none"
        self.writing.disabled = True
        self.start_button.disabled = False
        self.sessions.refresh()


def show(*, home=None, slug=None, session=None):
    """The Stage 1 widget (used by notebooks/01_feel.ipynb)."""
    return FeelPage(home=home, slug=slug, session=session).widget
