"""Stage 3 — Decide, and grow if you choose to: the path (grow, keep as I am, let it go),
growth goals tied to Stage 2 traits, small steps, celebrations and progress over time.

The next link follows the chosen path: growing points to the goals on this page, and
keeping or letting go points on to healing (Stage 4). Everything is saved the moment it
changes (kinds `path_choice`, `goal`, `step`, `celebration`; `frames.frame(wb, kind)` reads them
back). The progress chart is drawn once the page is on screen and after every change.
"""

from __future__ import annotations

import datetime as dt
import functools

import ipywidgets as w

from .. import content, formats, model
from ..model import InvalidEntry
from ..store import Entry, WorkbookError
from . import plain
from .fields import ChoiceWithNote, radio
from .forms import EntryList, action, button, date_picker, dropdown, need_workbook, text_area, text_line
from .markup import esc, paragraphs, when
from .page import Page
from .widgets import DateField

HEAL = 4
NONE = ""  # "not tied to anything" in a dropdown (which shows None as a blank box)
GOALS_ANCHOR = "wb-goals"


def _wide(widget: w.Widget) -> w.Widget:
    """A dropdown wide enough for goal titles and trait names (its label stays beside it)."""
    widget.layout.width = "100%"
    widget.layout.max_width = "40rem"
    return widget


def _alive(wb, entry_id, kind: str) -> Entry | None:
    """The current entry `entry_id` of `kind`, or None if it was removed or never existed."""
    if not isinstance(entry_id, str) or not entry_id:
        return None
    try:
        entry = wb.get(entry_id)
    except WorkbookError:
        return None
    return entry if entry.kind == kind and not entry.deleted else None


class GrowPage:
    """Builds Stage 3; `GrowPage(...).widget` is what the notebook shows."""

    def __init__(self, *, home=None, slug=None, session=None):
        self.page = page = Page(3, session, home=home, slug=slug)
        self.t = t = content.text("grow")
        self.scale = content.text("reason")["traits"]["scale"]
        self.chart = None
        self._removed_goal: str | None = None
        page.body.append(plain.HTML(t["intro"]))
        self._path()
        self._goals()
        self._follow(self.path.value)
        page.after_shown(self._first_draw)
        self.widget = page.show()

    # -- the path --------------------------------------------------------------------------
    def _path(self) -> None:
        t = self.t["path"]
        verdict = self.page.wb.single("verdict") if self.page.wb else None
        hint = t["hints"].get(verdict.data.get("value")) if verdict else None
        hint_html = f"<p>{esc(hint)} {esc(t['hint_tail'])}</p>" if hint else f"<p>{esc(t['hint_none'])}</p>"
        self.hint = plain.HTML(hint_html)
        self.hint.add_class("wb-hint")
        self.path = radio(t["label"], t["options"])
        self.path_note = text_area(t["note_label"], rows=2, placeholder=t["note_placeholder"], live=True)
        self.after = plain.HTML()
        self.after.add_class("wb-path-after")
        self.path_form = ChoiceWithNote(
            self.page,
            "path_choice",
            ("path", self.path),
            ("note", self.path_note),
            what=t["saved"],
            kept=t["kept"],
        )
        self.path_form.on_saved.append(lambda entry: self._follow(entry["path"]))
        self.page.section(t["title"], "", self.hint, self.path, self.after, self.path_note)

    def _follow(self, path: str | None) -> None:
        """Show what the chosen path means and point the next link where it leads."""
        t = self.t["path"]["after"]
        if path == "grow":
            self.after.value = (
                f'<p class="wb-after">{esc(t["grow"])} '
                f'<a class="wb-next-step" href="#{GOALS_ANCHOR}">{esc(t["grow_link"])}</a></p>'
            )
            self.page.set_next(HEAL, t["next_grow"])
        elif path in ("keep", "let go"):
            self.after.value = (
                f'<div class="wb-after wb-affirm"><p>{esc(t[path])}</p>'
                f"<p>{esc(t[path + '_more'])} {self.page.link(HEAL, t['heal_link'], css='wb-next-step')}</p></div>"
            )
            self.page.set_next(HEAL, t["next_heal"])
        else:
            self.after.value = ""
        self._show_goals()

    def next_href(self) -> str | None:
        """Where the path section's own 'next' link points (None before a path is chosen)."""
        import re

        found = re.search(r'class="wb-next-step" href="([^"]+)"', self.after.value) or re.search(
            r'href="([^"]+)" class="wb-next-step"', self.after.value
        )
        return found.group(1) if found else None

    # -- goals, steps, celebrations --------------------------------------------------------
    def _goals(self) -> None:
        t = self.t["goals"]
        self.goal_title = text_line(t["title_label"], placeholder=t["title_placeholder"])
        self.goal_trait = _wide(dropdown(t["trait_label"], [(t["trait_none"], NONE)], NONE))
        self.goal_first = text_area(t["first_label"], rows=2, placeholder=t["first_placeholder"])
        self.goal_target = DateField(description=t["target_label"])
        # what a press saved, or why it could not, right under its button, where the person looks
        self.goal_button, self.goal_status = action(self.page, t["add_button"], self.add_goal, primary=True)
        self.goal_list = plain.VBox()
        self.goal_list.add_class("wb-list")
        self.goal_undo = button(t["undo"], layout=w.Layout(display="none"))
        self.page.on_click(self.goal_undo, self.undo_remove_goal)
        self._fill_traits()

        s = self.t["steps"]
        self.step_goal = _wide(dropdown(s["goal_label"], []))
        self.step_kind = w.ToggleButtons(
            options=[tuple(k) for k in s["kinds"]], value="step", description=s["kind_label"]
        )
        self.step_kind.style.description_width = "initial"
        self.step_on = date_picker(s["date_label"], dt.date.today())
        self.step_text = text_area(s["text_label"], rows=2, placeholder=s["text_placeholder"])
        self.step_button, self.step_status = action(self.page, s["add_button"], self.add_step, primary=True)
        self.steps = EntryList(self.page, "step", self._describe_step, empty=s["none"])

        c = self.t["celebrate"]
        self.cheer_goal = _wide(dropdown(c["goal_label"], []))
        self.cheer_on = date_picker(c["date_label"], dt.date.today())
        self.cheer_what = text_area(c["what_label"], rows=2, placeholder=c["what_placeholder"])
        self.cheer_how = text_area(c["how_label"], rows=2, placeholder=c["how_placeholder"])
        self.cheer_button, self.cheer_status = action(
            self.page, c["add_button"], self.add_celebration, primary=True
        )
        self.cheers = EntryList(self.page, "celebration", self._describe_celebration, empty=c["none"])
        for listing in (self.steps, self.cheers):
            listing.on_refresh.append(self._after_list_change)

        p = self.t["progress"]
        self.progress_box = plain.VBox([plain.HTML(f'<p class="wb-hint">{esc(p["loading"])}</p>')])
        self.refresh_goals()

        head = plain.HTML(
            f'<h2 id="{GOALS_ANCHOR}" tabindex="-1">{esc(t["title"])}</h2><p>{esc(t["intro"])}</p>'
        )
        self.goals_box = plain.VBox(
            [
                head,
                self.goal_title,
                self.goal_trait,
                self.goal_first,
                self.goal_target,
                self.goal_button,
                self.goal_status,
                plain.HTML(f"<h3>{esc(t['list_title'])}</h3>"),
                self.goal_list,
                self.goal_undo,
                plain.HTML(f"<h3>{esc(s['title'])}</h3><p>{esc(s['intro'])}</p>"),
                self.step_goal,
                self.step_kind,
                self.step_on,
                self.step_text,
                self.step_button,
                self.step_status,
                self.steps.widget,
                plain.HTML(f"<h3>{esc(c['title'])}</h3><p>{esc(c['intro'])}</p>"),
                self.cheer_goal,
                self.cheer_on,
                self.cheer_what,
                self.cheer_how,
                self.cheer_button,
                self.cheer_status,
                self.cheers.widget,
                plain.HTML(f"<h3>{esc(p['title'])}</h3><p>{esc(p['intro'])}</p>"),
                self.progress_box,
            ],
            layout=w.Layout(),  # hidden while the person chose to stay as they are
        )
        self.goals_box.add_class("wb-section")
        self.page.body.append(self.goals_box)

    def _after_list_change(self) -> None:
        if hasattr(self, "goals_box"):  # the lists draw once before the goals exist
            self._render_goals()
            self.redraw()

    def _show_goals(self) -> None:
        """The goals part shows when growing is chosen, or once anything is in it."""
        wb = self.page.wb
        has_any = bool(wb) and any(wb.counts().get(k) for k in ("goal", "step", "celebration"))
        visible = self.path.value == "grow" or has_any
        if hasattr(self, "goals_box"):
            self.goals_box.layout.display = None if visible else "none"

    def _fill_traits(self) -> None:
        t = self.t["goals"]
        traits = self.page.wb.entries("trait") if self.page.wb else []
        traits.sort(
            key=lambda e: (not e.data.get("touched"), e.data.get("rating") or 0, e["name"].casefold())
        )
        self.goal_trait.options = [(t["trait_none"], NONE)] + [
            (f"{content.trait_label(e['name'])} ({self.scale[(e.data.get('rating') or 0) + 3]})", e.entry_id)
            for e in traits
        ]
        self.goal_trait.value = NONE

    def trait_name(self, trait_id) -> str | None:
        """The linked trait's name; 'a trait you removed' when it is gone; None when unlinked."""
        if not trait_id:
            return None
        found = _alive(self.page.wb, trait_id, "trait")
        return content.trait_label(found["name"]) if found else self.t["goals"]["trait_gone"]

    def goal_title_of(self, goal_id) -> str:
        found = _alive(self.page.wb, goal_id, "goal")
        return found["title"] if found else self.t["steps"]["goal_gone"]

    def refresh_goals(self) -> None:
        """Redraw the goal cards and the goal choices of the step and celebration forms."""
        goals = self.page.wb.entries("goal") if self.page.wb else []
        s, c = self.t["steps"], self.t["celebrate"]
        open_first = sorted(goals, key=lambda e: bool(e.data.get("done")))
        options = [(e["title"], e.entry_id) for e in open_first]
        keep = self.step_goal.value
        self.step_goal.options = options or [(s["need_goal"], NONE)]
        self.step_goal.value = (
            keep if keep in dict(options).values() else (options[0][1] if options else NONE)
        )
        self.step_button.disabled = not options
        keep = self.cheer_goal.value
        self.cheer_goal.options = [(c["goal_none"], NONE)] + options
        self.cheer_goal.value = keep if keep in dict(options).values() else NONE
        self._render_goals(goals)
        self._show_goals()

    def _render_goals(self, goals: list[Entry] | None = None) -> None:
        t = self.t["goals"]
        wb = self.page.wb
        goals = goals if goals is not None else (wb.entries("goal") if wb else [])
        if not goals:
            self.goal_list.children = [plain.HTML(f'<p class="wb-empty">{esc(t["none"])}</p>')]
            return
        steps = wb.entries("step")
        cheers = wb.entries("celebration")
        from ..charts.traits import count

        cards = []
        for goal in goals:
            done = bool(goal.data.get("done"))
            mine = [e for e in steps if e["goal_id"] == goal.entry_id]
            n_steps = sum(1 for e in mine if e.data.get("kind") != "chance taken")
            details = []
            trait = self.trait_name(goal.data.get("trait_id"))
            if trait:
                details.append(esc(t["tied"].format(trait=trait)))
            if goal.data.get("first_step"):
                details.append(esc(t["first"].format(text="")) + paragraphs(goal["first_step"]))
            if goal.data.get("target_on"):
                details.append(esc(t["target"].format(day=when(goal["target_on"]))))
            tally = " · ".join(
                [
                    count(n_steps, t["step_word"]),
                    count(len(mine) - n_steps, t["chance_word"]),
                    count(
                        sum(1 for e in cheers if e.data.get("goal_id") == goal.entry_id),
                        t["celebration_word"],
                    ),
                ]
            )
            details.append(f'<span class="wb-date">{esc(tally)}</span>')
            badge = f' <span class="wb-done">{esc(t["done_badge"])}</span>' if done else ""
            text = plain.HTML(
                f"<p><strong>{esc(goal['title'])}</strong>{badge}<br>" + "<br>".join(details) + "</p>",
                layout=w.Layout(flex="1 1 auto"),
            )
            toggle = button(t["reopen"] if done else t["mark_done"])
            self.page.on_click(toggle, functools.partial(self.set_done, goal.entry_id, not done))
            remove = button(t["remove"])
            remove.tooltip = t["remove_tip"]
            self.page.on_click(remove, functools.partial(self.remove_goal, goal.entry_id))
            row = plain.HBox([text, plain.VBox([toggle, remove])])
            row.add_class("wb-row")
            row.add_class("wb-goal")
            cards.append(row)
        self.goal_list.children = cards

    def _check_trait(self, trait_id) -> None:
        if trait_id is not None and _alive(self.page.wb, trait_id, "trait") is None:
            raise InvalidEntry(self.t["goals"]["trait_missing"])

    def add_goal(self) -> Entry:
        """Save a new goal from the form; a trait that is no longer listed is refused calmly."""
        need_workbook(self.page)
        t = self.t["goals"]
        data = {
            "title": self.goal_title.value,
            "trait_id": self.goal_trait.value or None,
            "first_step": self.goal_first.value,
            "target_on": self.goal_target.date(t["target_unclear"]),
            "done": False,
        }
        model.validate("goal", data)
        self._check_trait(data["trait_id"])
        entry = self.page.wb.put("goal", data)
        self.goal_title.value = ""
        self.goal_first.value = ""
        self.goal_target.value = ""
        self.goal_trait.value = NONE
        self.page.saved(self.t["goals"]["saved"])
        self.refresh_goals()
        self.redraw()
        return entry

    def set_done(self, goal_id: str, done: bool) -> Entry:
        """Mark a goal done, or open it again."""
        need_workbook(self.page)
        goal = _alive(self.page.wb, goal_id, "goal")
        if goal is None:
            raise InvalidEntry(self.t["steps"]["goal_missing"])
        entry = self.page.wb.put("goal", {**goal.data, "done": done}, entry_id=goal_id)
        t = self.t["goals"]
        self._saved(
            (t["done_saved"] if done else t["reopened"]).format(title=goal["title"]),
            t["done_cheer"] if done else "",
        )
        self.refresh_goals()
        self.redraw()
        return entry

    def remove_goal(self, goal_id: str) -> None:
        self.page.wb.delete(goal_id)
        self._removed_goal = goal_id
        self.goal_undo.layout.display = None
        self.page.saved(self.t["goals"]["removed"])
        self.refresh_goals()
        self.steps.refresh()
        self.cheers.refresh()

    def undo_remove_goal(self) -> None:
        if not self._removed_goal:
            return
        self.page.wb.restore(self._removed_goal)
        self._removed_goal = None
        self.goal_undo.layout.display = "none"
        self.page.saved(self.t["goals"]["restored"])
        self.refresh_goals()
        self.steps.refresh()
        self.cheers.refresh()

    def add_step(self) -> Entry:
        """Log a step (or a chance taken) toward the chosen goal."""
        need_workbook(self.page)
        s = self.t["steps"]
        if not self.step_goal.value:
            raise InvalidEntry(s["need_goal"])
        if _alive(self.page.wb, self.step_goal.value, "goal") is None:
            raise InvalidEntry(s["goal_missing"])
        entry = self.page.wb.put(
            "step",
            {
                "goal_id": self.step_goal.value,
                "kind": self.step_kind.value,
                "done_on": self.step_on.value,
                "text": self.step_text.value,
            },
        )
        self.step_text.value = ""
        self._saved(s["saved"], s["cheer"])
        self.steps.refresh()
        return entry

    def add_celebration(self) -> Entry:
        """Save an accomplishment and how it was celebrated."""
        need_workbook(self.page)
        goal_id = self.cheer_goal.value or None
        if goal_id is not None and _alive(self.page.wb, goal_id, "goal") is None:
            raise InvalidEntry(self.t["steps"]["goal_missing"])
        entry = self.page.wb.put(
            "celebration",
            {
                "goal_id": goal_id,
                "done_on": self.cheer_on.value,
                "accomplishment": self.cheer_what.value,
                "how": self.cheer_how.value,
            },
        )
        self.cheer_what.value = ""
        self.cheer_how.value = ""
        self.page.saved(self.t["celebrate"]["saved"])
        self.cheers.refresh()
        return entry

    def _saved(self, what: str, extra: str = "") -> None:
        """Say 'Saved ... at HH:MM.' and then, if given, a kind word of our own."""
        stamp = formats.clock()
        text = self.page.words["saved"].format(what=esc(what), time=stamp)
        self.page.say(f"✓ {text} {esc(extra)}".rstrip())

    def _describe_step(self, e: Entry) -> str:
        s = self.t["steps"]
        kind = s["kind_names"].get(e.data.get("kind"), s["kind_names"]["step"])
        return (
            f'<span class="wb-date">{esc(when(e["done_on"]))}</span> · <strong>{esc(self.goal_title_of(e["goal_id"]))}</strong>'
            f" · {esc(kind)}<br>{paragraphs(e['text'])}"
        )

    def _describe_celebration(self, e: Entry) -> str:
        goal = e.data.get("goal_id")
        about = f" · <strong>{esc(self.goal_title_of(goal))}</strong>" if goal else ""
        how = f'<br><span class="wb-quote">{paragraphs(e["how"])}</span>' if e.data.get("how") else ""
        return f'<span class="wb-date">{esc(when(e["done_on"]))}</span>{about}<br>{paragraphs(e["accomplishment"])}{how}'

    # -- progress chart --------------------------------------------------------------------
    def _first_draw(self) -> None:
        from ..charts.render import ChartView

        self.chart = ChartView(self.t["progress"]["label"])
        self.progress_box.children = [self.chart.widget]
        self.redraw()

    def redraw(self) -> None:
        """Draw the progress chart from the saved goals, steps and celebrations."""
        if self.chart is None or self.page.wb is None:
            return
        from ..charts import goals as goal_charts
        from ..frames import frame

        wb = self.page.wb
        goals, steps, cheers = frame(wb, "goal"), frame(wb, "step"), frame(wb, "celebration")
        self.chart.draw(
            functools.partial(goal_charts.progress, goals, steps, cheers),
            goal_charts.progress_summary(goals, steps, cheers),
        )


def show(*, home=None, slug=None, session=None):
    """The Stage 3 widget (used by notebooks/03_grow.ipynb)."""
    return GrowPage(home=home, slug=slug, session=session).widget
