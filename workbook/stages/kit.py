"""The names the stage pages were first built from, in one place (kept so that older code
and the tests keep working). Each lives in a module of its own job:

- `markup` (esc, paragraphs, titled, when), `autosave` (saves after a pause in the typing),
  `query` (the page's address), `logfile`, `session` (which workbook a page writes to),
  `links` (links between pages), `widgets` (the anywidgets), `crisis` (the crisis line),
  `forms` (inputs and forms bound to a workbook) and `page` (the `Page` itself).

New code imports from those modules. Setting a name here (a test putting a pretend kernel
loop in place: `kit._kernel_loop = ...`) sets it where the code that uses it now lives.
"""

from __future__ import annotations

import sys
import types

from .. import content
from . import autosave
from .autosave import TYPING_PAUSE, flush_waiting_saves
from .crisis import CRISIS_ID, crisis_html, crisis_link_html
from .forms import (
    LIST_LIMIT,
    AddForm,
    EntryList,
    KeyedText,
    SingleForm,
    StagePicker,
    button,
    date_picker,
    dropdown,
    form_and_list,
    need_workbook,
    stacked,
    text_area,
    text_line,
    widget_value,
)
from .links import LINKS_APP, LINKS_FILES, LINKS_VOILA, default_links, page_href, page_link
from .logfile import log, setup_log
from .markup import esc, paragraphs, therapist_notes_html, titled, when
from .page import CSS_FILE, READONLY_CSS, READY_CLASS, Page, page_style
from .query import in_voila, query_param, query_value
from .session import Session, open_client, open_session, session_for, use_saved_choices
from .widgets import Brand, DateField, Scale

_WAITING_SAVES = autosave.WAITING_SAVES  # the same dict: what waits there is seen from both
_kernel_loop = autosave.kernel_loop
_setup_log = setup_log

# An old name set here is set on the module whose code reads it, under its name there.
_MOVED = {"_kernel_loop": (autosave, "kernel_loop")}


class _Kit(types.ModuleType):
    def __setattr__(self, name: str, value: object) -> None:
        if name in _MOVED:
            module, there = _MOVED[name]
            setattr(module, there, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Kit

__all__ = [
    "CRISIS_ID",
    "CSS_FILE",
    "LINKS_APP",
    "LINKS_FILES",
    "LINKS_VOILA",
    "LIST_LIMIT",
    "READONLY_CSS",
    "READY_CLASS",
    "TYPING_PAUSE",
    "AddForm",
    "Brand",
    "DateField",
    "EntryList",
    "KeyedText",
    "Page",
    "Scale",
    "Session",
    "SingleForm",
    "StagePicker",
    "button",
    "content",
    "crisis_html",
    "crisis_link_html",
    "date_picker",
    "default_links",
    "dropdown",
    "esc",
    "flush_waiting_saves",
    "form_and_list",
    "in_voila",
    "log",
    "need_workbook",
    "open_client",
    "open_session",
    "page_href",
    "page_link",
    "page_style",
    "paragraphs",
    "query_param",
    "query_value",
    "session_for",
    "setup_log",
    "stacked",
    "text_area",
    "text_line",
    "therapist_notes_html",
    "titled",
    "use_saved_choices",
    "when",
    "widget_value",
]
