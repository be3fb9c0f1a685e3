"""The emotion check-in, used in Stage 1 and again in Stage 4.

Pick feelings from the shipped vocabulary (or add your own word), rate each 0-10 and
save the check-in with its date. A check-in in progress is kept as a draft in the
workbook, so a closed tab does not lose it.
"""

from __future__ import annotations

import functools

import anywidget
import ipywidgets as w
import traitlets

from .. import content
from ..model import MAX_EMOTION_LEN, MAX_RATINGS, InvalidEntry, check_field, check_ratings
from . import plain
from .forms import EntryList, button, stacked, text_area
from .markup import esc, paragraphs, when
from .page import Page
from .search import match_rank, shown_choice
from .widgets import Scale

SEARCH_MAX = 60
DEFAULT_INTENSITY = 5


class _SearchAhead(anywidget.AnyWidget):
    """The feeling search answered in the browser as the person types, before the kernel does.

    Each key sent the search to the kernel, which sent the list back: on a busy kernel the list
    lagged a second behind the box, and its top item could be a feeling for letters no longer
    there. This widget (not seen) holds every feeling's words and ranks them in the browser
    with the same rule as the kernel (search.match_rank), so the list shows the right feelings
    at once. Until the kernel has answered the same search (`answered`), the list is marked
    busy and can't be picked from: a pick means a place in the kernel's list, which is the
    older one until then. `items` are [label, word, family, mildness]; text, never markup.
    """

    _esm = """
    const ranked = (query, items) => {
      const found = [];
      items.forEach(([label, word, family, mildness], n) => {
        const name = label.toLocaleLowerCase();
        let rank = null;
        if (!query || name === query) rank = [0, 0, 0];
        else if (name.startsWith(query)) rank = [1, name.length, -mildness];
        else if (name.replace(/-/g, " ").split(/\\s+/).slice(1).some((part) => part.startsWith(query))) rank = [2, 0, 0];
        else if (name.includes(query)) rank = [3, 0, 0];
        else if (query === family) rank = [4, 0, 0];
        if (rank) found.push([rank, n, label]);
      });
      const order = (a, b) => {
        for (let i = 0; i < 3; i++) if (a[0][i] !== b[0][i]) return a[0][i] - b[0][i];
        return a[1] - b[1];
      };
      return found.sort(order).map((item) => item[2]);
    };
    const normal = (text) => text.slice(0, model_max).trim().toLocaleLowerCase();
    let model_max = 60;

    export default { render({ model, el }) {
      model_max = model.get("max_chars");
      const parts = () => {
        const form = el.closest(".wb-checkin");
        return form && {
          box: form.querySelector(".wb-feeling-search input"),
          list: form.querySelector(".wb-feeling-list select"),
        };
      };
      // `held`: the list this widget filled and made unpickable; it is given back when the
      // kernel has answered the very search in the box (its list is then this one).
      let held = null;
      const mark = (list, behind) => {
        list.setAttribute("aria-busy", String(behind));
        list.classList.toggle("wb-behind", behind);
      };
      const fill = (found, query) => {
        const labels = ranked(query, model.get("items"));
        found.list.replaceChildren(...labels.map((label) => {
          const option = document.createElement("option");
          option.textContent = label;
          return option;
        }));
        found.list.disabled = true;
        held = found.list;
        mark(found.list, true);
      };
      const typed = (event) => {
        const found = parts();
        if (!found || !found.list || event.target !== found.box || found.box.disabled) return;
        const query = normal(found.box.value);
        if (query !== model.get("answered") || held) fill(found, query);
      };
      const answered = () => {
        const found = parts();
        if (!found || !found.box || !found.list || held !== found.list) return;
        const query = normal(found.box.value);
        if (query !== model.get("answered")) return fill(found, query);
        found.list.disabled = false;
        held = null;
        mark(found.list, false);
      };
      document.addEventListener("input", typed, true);
      model.on("change:answered", answered);
      return () => {
        document.removeEventListener("input", typed, true);
        model.off("change:answered", answered);
      };
    } };
    """
    _css = ".wb-search-ahead { display: none; } .wb-page select.wb-behind { opacity: 0.75; }"
    items = traitlets.List().tag(sync=True)
    answered = traitlets.Unicode("").tag(sync=True)
    max_chars = traitlets.Int(SEARCH_MAX).tag(sync=True)


def forget_undo(entries: EntryList) -> None:
    """Once something else is done, an earlier removal is settled: its "Undo remove" goes."""
    entries._removed = None
    entries.undo.layout.display = "none"


def describe_checkin(entry) -> str:
    """A past check-in as one line of escaped HTML."""
    ratings = sorted(entry.data["ratings"].items(), key=lambda kv: -kv[1])
    feelings = " · ".join(
        f"{esc(content.emotion_label(word))} <strong>{value}</strong>" for word, value in ratings
    )
    words = entry.data.get("own_words")
    extra = f'<br><span class="wb-quote">{paragraphs(words)}</span>' if words else ""
    return f'<span class="wb-date">{esc(when(entry.created_at))}</span> — {feelings}{extra}'


class CheckIn:
    """A check-in form bound to `page`; `stage` records where the check-in was made."""

    def __init__(self, page: Page, stage: int):
        self.page, self.stage = page, stage
        self.t = t = content.text("feel")["checkin"]
        self.draft_key = f"checkin_draft_{stage}"
        self.on_saved: list = []  # called with each check-in saved
        self.search = stacked(
            w.Text(
                description=t["search_label"],
                placeholder=t["search_placeholder"],
                continuous_update=True,
            )
        )
        self.search.add_class("wb-feeling-search")
        self.choices = stacked(w.Select(description=t["list_label"], rows=8))
        self.choices.add_class("wb-feeling-list")
        self.ahead = _SearchAhead(
            items=[[e.label, e.word, e.family, e.pleasantness] for e in content.emotions()]
        )
        self.ahead.add_class("wb-search-ahead")
        self.hint = plain.HTML()
        self.hint.add_class("wb-hint")
        self.add_button = button(t["add_button"])
        self.chosen: dict[str, Scale] = {}
        self.chosen_box = plain.VBox()
        self.chosen_box.add_class("wb-chosen")
        self.own_words = text_area(t["own_words_label"], rows=3)
        self.save_button = button(t["save_button"], primary=True)
        self.past = EntryList(
            page,
            "checkin",
            describe_checkin,
            empty=t["past_none"],
            keep=lambda e: (e.data.get("stage") or 1) == stage,
        )
        page.on_change(self.search, self._filter)
        page.on_change(self.choices, self._show_hint)
        page.on_click(self.add_button, self.add_selected)
        page.on_click(self.save_button, self.save)
        page.on_change(self.own_words, lambda _v: self._save_draft())
        self._filter("")
        self._load_draft()
        past_head = plain.HTML(f"<h3>{esc(t['past_title'])}</h3>")
        self.widget = plain.VBox(
            [
                self.ahead,
                self.search,
                self.choices,
                self.hint,
                self.add_button,
                self.chosen_box,
                self.own_words,
                self.save_button,
                past_head,
                self.past.widget,
            ]
        )
        self.widget.add_class("wb-checkin")

    # -- picking -------------------------------------------------------------------------
    def _filter(self, query) -> None:
        query = (query or "")[:SEARCH_MAX].strip().lower()
        # searched by the word shown (in the person's language); the English word is what is kept
        # The word itself first, then words that start with it (the shortest, then the mildest,
        # first), then words that contain it, then the rest of its family (search.match_rank).
        ranked = []
        for n, e in enumerate(content.emotions()):
            rank = match_rank(query, e.label.casefold(), mildness=e.pleasantness)
            if rank is None and query == e.family:
                rank = (4,)
            if rank is not None:
                ranked.append((rank, n, e))
        found = [e for _rank, _n, e in sorted(ranked, key=lambda item: item[:2])]
        self.choices.options = [e.word if e.label == e.word else (e.label, e.word) for e in found]
        labels = [e.label for e in found]
        picked = shown_choice(query, labels)
        self.choices.value = found[labels.index(picked)].word if picked else None
        self._show_hint(self.choices.value)
        self.ahead.answered = query  # last: the list above is the one for this search
        own = query and content.emotion_from_label(query) not in content.emotion_index()
        self.add_button.description = (
            self.t["add_own"].format(word=query) if own and not found else self.t["add_button"]
        )

    def _show_hint(self, word) -> None:
        known = content.emotion_index().get(word)
        self.hint.value = f"<p><strong>{esc(known.label)}</strong>: {esc(known.hint)}</p>" if known else ""

    def add_selected(self) -> None:
        """Add the highlighted feeling, or the searched word as the person's own."""
        word = self.choices.value
        if word is None and self.choices.options:
            raise InvalidEntry(self.t["pick_first"])
        if word is None:
            word = content.emotion_from_label(" ".join(self.search.value[:SEARCH_MAX].split()).lower())
        if not word:
            raise InvalidEntry(self.t["pick_or_type"])
        if word not in content.emotion_index() and self.choices.value is not None:
            raise InvalidEntry(self.t["not_listed"])
        if len(word) > MAX_EMOTION_LEN:
            raise InvalidEntry(self.t["too_long"].format(n=MAX_EMOTION_LEN))
        self.add(word)
        self.search.value = ""

    def add(self, word: str, intensity: int = DEFAULT_INTENSITY) -> None:
        if word in self.chosen:
            return
        if len(self.chosen) >= MAX_RATINGS:
            raise InvalidEntry(self.t["too_many"].format(n=MAX_RATINGS))
        # A native, labelled range input: ipywidgets' IntSlider handle has no accessible name.
        slider = Scale(
            value=intensity,
            min=0,
            max=10,
            description=self.t["intensity_label"].format(word=content.emotion_label(word)),
        )
        self.page.on_change(slider, lambda _v: self._save_draft())
        self.chosen[word] = slider
        self._render_chosen()
        self._save_draft()

    def remove(self, word: str) -> None:
        self.chosen.pop(word, None)
        self._render_chosen()
        self._save_draft()

    def _render_chosen(self) -> None:
        rows = []
        for word, slider in self.chosen.items():
            drop = button(self.t["remove_feeling"].format(word=content.emotion_label(word)))
            self.page.on_click(drop, functools.partial(self.remove, word))
            row = plain.HBox([slider, drop])
            row.add_class("wb-feeling-row")  # widgets.css: "Remove" always beside, or always under
            rows.append(row)
        if not rows:
            rows = [plain.HTML(f'<p class="wb-empty">{esc(self.t["chosen_none"])}</p>')]
        self.chosen_box.children = rows

    # -- saving --------------------------------------------------------------------------
    def ratings(self) -> dict[str, int]:
        return check_ratings({word: slider.value for word, slider in self.chosen.items()})

    def save(self):
        """Save the check-in with today's date; the form is then cleared for the next one."""
        if self.page.wb is None:
            raise InvalidEntry(content.text("common")["need_workbook"])
        entry = self.page.wb.put(
            "checkin",
            {"ratings": self.ratings(), "own_words": self.own_words.value, "stage": self.stage},
        )
        self.chosen.clear()
        self.own_words.value = ""
        self._render_chosen()
        self.page.wb.set_meta(self.draft_key, None)
        self.page.saved(self.t["saved"])
        forget_undo(self.past)
        self.past.refresh()
        for callback in self.on_saved:
            callback(entry)
        return entry

    def _save_draft(self) -> None:
        check_field("checkin", "own_words", self.own_words.value)  # a draft has the same limits
        if self.page.wb is not None:
            draft = {
                "ratings": {word: s.value for word, s in self.chosen.items()},
                "own_words": self.own_words.value,
            }
            self.page.wb.set_meta(self.draft_key, draft)

    def _load_draft(self) -> None:
        draft = self.page.wb.meta(self.draft_key) if self.page.wb else None
        if not isinstance(draft, dict):
            self._render_chosen()
            return
        own = draft.get("own_words")
        self.own_words.value = own if isinstance(own, str) else ""
        try:
            ratings = check_ratings(draft["ratings"]) if draft.get("ratings") else {}
        except InvalidEntry:
            ratings = {}
        for word, value in ratings.items():
            self.add(word, value)
        self._render_chosen()
