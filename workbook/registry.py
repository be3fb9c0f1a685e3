"""The one list of the workbook's pages: number, route key, notebook, module, title, and
the kinds of entry each stage owns.

The app's navigation, its one-page shell (routes like ``#reason``), the links between
pages, the progress list, the share file, the therapist exchange and the report all read
this list, so adding a page is one line here, one module under ``workbook/stages`` with a
``show(session=...)``, one notebook and one title in ``data/text/common.toml`` (plus its
kinds of entry in ``workbook.model`` and their names in ``data/text/report.toml``).

`stage_of` is the one rule for which stage an entry belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import content
from .paths import notebooks_dir

APP_NOTEBOOK = "app.ipynb"  # the one-page app that holds every stage (see stages/app.py)
# Plain code to read and change in JupyterLab, not a page of the app (no widgets to serve).
EXPLORE_NOTEBOOK = "08_explore.ipynb"
# The therapist's page: not a stage of the method, linked from the start page.
PRACTICE_NOTEBOOK = "07_practice.ipynb"
# A look across every workbook (one per rejection): not a stage, linked once there are two.
PATTERNS_NOTEBOOK = "09_patterns.ipynb"
PATTERNS_FROM = 2  # workbooks (one per rejection) before there is anything to compare


@dataclass(frozen=True)
class Stage:
    number: int  # 0 is the start page; 1-5 are the five stages of the method
    key: str  # the route in the app's address: app.ipynb#<key>
    notebook: str  # the single-page notebook in notebooks/
    module: str  # the module under workbook.stages that builds the page
    kinds: tuple[str, ...] = ()  # the kinds of entry (workbook.model) made on this page
    in_method: bool = False  # one of the stages a person works through (not start or journey)

    @property
    def title(self) -> str:
        """The page's short name, as people read it (from data/text/common.toml)."""
        return content.text("common")["titles"][self.key]


# The kinds of entry each stage's page makes (see workbook.model)
FEEL = ("rejection", "checkin", "process_plan", "process_log", "reflection", "writing_session")
REASON = ("reason", "trait", "case_point", "verdict")
GROW = ("path_choice", "goal", "step", "celebration")
HEAL = ("acceptance", "quality", "boundary", "compassion_pause", "letter", "kind_act")
SUPPORT = ("weighing", "support_plan")

STAGES: tuple[Stage, ...] = (
    Stage(0, "start", "00_start.ipynb", "start"),
    Stage(1, "feel", "01_feel.ipynb", "feel", FEEL, in_method=True),
    Stage(2, "reason", "02_reason.ipynb", "reason", REASON, in_method=True),
    Stage(3, "grow", "03_grow.ipynb", "grow", GROW, in_method=True),
    Stage(4, "heal", "04_heal.ipynb", "heal", HEAL, in_method=True),
    Stage(5, "support", "05_support.ipynb", "support", SUPPORT, in_method=True),
    Stage(6, "journey", "06_journey.ipynb", "journey"),
)

_KEY = re.compile(r"[a-z][a-z0-9-]{0,30}")


# Kinds that carry the stage they were made for in a "stage" field (a check-in made on the
# Heal page, a 'done' mark, a therapist's question or note); 0 or none means their own stage.
CARRIES_STAGE = ("checkin", "stage_done", "therapist_prompt", "therapist_note")
ANSWER_KIND, ANSWERED = "prompt_answer", "prompt_id"  # an answer belongs where its question does


def by_number(number: int) -> Stage:
    """The stage with this number; KeyError if there is none."""
    for stage in STAGES:
        if stage.number == number:
            return stage
    raise KeyError(number)


def by_key(key: object) -> Stage | None:
    """The stage whose route is `key` (from the address bar: any text), or None."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        return None
    return next((s for s in STAGES if s.key == key), None)


def method_stages() -> tuple[Stage, ...]:
    """The five stages of the method, in order."""
    return tuple(s for s in STAGES if s.in_method)


def method_numbers() -> tuple[int, ...]:
    """The numbers of the stages of the method, in order (1-5 today)."""
    return tuple(s.number for s in method_stages())


def owner(kind: str) -> int:
    """The number of the stage whose page makes entries of `kind`; 0 when no stage owns it."""
    return next((s.number for s in STAGES if kind in s.kinds), 0)


def stage_of(entry, prompt_stages: dict[str, int] | None = None) -> int:
    """The stage an entry (anything with .kind and .data) belongs to, or 0 for none.

    An answer to a therapist's question belongs to the question's stage (`prompt_stages`:
    question entry_id -> stage, see `question_stages`); a kind that carries a stage belongs
    to it; every other entry to the stage that owns its kind.
    """
    kind, data = entry.kind, entry.data or {}
    if kind == ANSWER_KIND:
        return (prompt_stages or {}).get(data.get(ANSWERED), 0)
    carried = data.get("stage") if kind in CARRIES_STAGE else None
    if isinstance(carried, int) and not isinstance(carried, bool) and carried:
        return carried
    return owner(kind)


def question_stages(entries) -> dict[str, int]:
    """entry_id -> stage of every therapist question among `entries` (entries or revisions)."""
    return {e.entry_id: int(e.data["stage"]) for e in entries if e.kind == "therapist_prompt"}


def page_notebooks() -> list[str]:
    """The numbered notebooks that are pages (each stage, the practice page), in order."""
    return sorted(p.name for p in notebooks_dir().glob("[0-9]*.ipynb") if p.name != EXPLORE_NOTEBOOK)
