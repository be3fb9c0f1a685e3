"""Whatever a page sends, every stage answers calmly and keeps what was saved.

A tampered page can set any synced value. These tests push oversized text into every
text box of every stage page and click every button on an empty form: each must end
in a saved entry or a calm message, never an unexpected error, and nothing saved before
may change.
"""

from __future__ import annotations

import ipywidgets as w
import pytest

from workbook.stages import feel, grow, heal, kit, reason, start, support

PAGES = {
    "start": start.StartPage,
    "feel": feel.FeelPage,
    "reason": reason.ReasonPage,
    "grow": grow.GrowPage,
    "heal": heal.HealPage,
    "support": support.SupportPage,
}
GIANT = "x" * 60_000
SAVED_AS_TYPED = {"feel", "reason", "grow", "heal"}


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _status(built) -> str:
    return built.page.status.value


@pytest.fixture
def filled(wb):
    """A workbook with something already saved in every stage."""
    wb.put("rejection", {"kind": "friend", "description": "Before."})
    wb.put("trait", {"name": "patience", "domain": "personality", "rating": 2})
    wb.put("goal", {"title": "Call one friend a week"})
    wb.put("letter", {"text": "Dear me."})
    wb.put("weighing", {"how_long": "weeks"})
    return wb


@pytest.mark.parametrize("name", PAGES)
def test_giant_text_in_every_box_gets_a_calm_answer(filled, name):
    before = {e.entry_id: e.data for e in filled.entries()}
    built = PAGES[name]()
    boxes = [x for x in _walk(built.widget) if isinstance(x, w.Text | w.Textarea) and not x.disabled]
    assert boxes
    for box in boxes:
        box.value = GIANT
        assert kit.content.text("common")["unexpected"] not in _status(built), box.description
    if name in SAVED_AS_TYPED:  # elsewhere text boxes only act when a button is pressed
        assert "wb-problem" in _status(built)  # the person was told why it was not saved
    after = {e.entry_id: e.data for e in filled.entries()}
    assert {k: after[k] for k in before} == before  # nothing saved before has changed
    assert all(GIANT not in str(data) for data in after.values())


@pytest.mark.parametrize("name", PAGES)
def test_every_button_on_an_empty_form_answers_calmly(filled, name):
    built = PAGES[name]()
    buttons = [x for x in _walk(built.widget) if isinstance(x, w.Button) and not x.disabled]
    assert buttons
    for b in buttons:
        b.click()
        assert kit.content.text("common")["unexpected"] not in _status(built), b.description
