"""The one list of the workbook's pages: number, route key, notebook, module, title.

The app's navigation, its one-page shell (routes like ``#reason``), the links between
pages and the progress list all read this list, so adding a page is one line here, one
module under ``workbook/stages`` with a ``show(session=...)``, one notebook and one title
in ``data/text/common.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import content

APP_NOTEBOOK = "app.ipynb"  # the one-page app that holds every stage (see stages/app.py)


@dataclass(frozen=True)
class Stage:
    number: int  # 0 is the start page; 1-5 are the five stages of the method
    key: str  # the route in the app's address: app.ipynb#<key>
    notebook: str  # the single-page notebook in notebooks/
    module: str  # the module under workbook.stages that builds the page

    @property
    def title(self) -> str:
        """The page's short name, as people read it (from data/text/common.toml)."""
        return content.text("common")["titles"][self.key]

    @property
    def in_method(self) -> bool:
        """One of the five stages a person works through (not the start page or journey)."""
        return 1 <= self.number <= 5


STAGES: tuple[Stage, ...] = (
    Stage(0, "start", "00_start.ipynb", "start"),
    Stage(1, "feel", "01_feel.ipynb", "feel"),
    Stage(2, "reason", "02_reason.ipynb", "reason"),
    Stage(3, "grow", "03_grow.ipynb", "grow"),
    Stage(4, "heal", "04_heal.ipynb", "heal"),
    Stage(5, "support", "05_support.ipynb", "support"),
    Stage(6, "journey", "06_journey.ipynb", "journey"),
)

_KEY = re.compile(r"[a-z][a-z0-9-]{0,30}")


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
