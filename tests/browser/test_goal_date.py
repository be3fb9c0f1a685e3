"""Issue 21, item 6: a half-typed goal date in the real browser's date box is named, not
dropped; the typed part stays to be finished, and a whole date is saved with the goal."""

from __future__ import annotations

import pytest

from .helpers import axe_problems, here, open_ready, screenshot

pytestmark = pytest.mark.browser


def test_a_half_typed_goal_date_is_named_kept_and_then_saved(app, page):
    slug = app.new_workbook()
    with app.home.open(slug) as wb:
        wb.put("path_choice", {"path": "grow"})
    open_ready(page, app.url("03_grow.ipynb", slug))
    view = here(page)
    view.get_by_label("A small goal").fill("Ask for feedback")
    date = view.get_by_label("Target date (optional)")
    assert date.get_attribute("type") == "date"  # the browser's own calendar box
    date.click()
    date.press_sequentially("12")  # only the month: the box shows e.g. "12/dd/yyyy"
    view.get_by_role("button", name="Add this goal").click()
    said = view.get_by_text("The target date wasn't understood")
    said.wait_for()
    # said right under the button, where the person is looking (it was at the page's foot,
    # ~800 px further down)
    pressed = view.get_by_role("button", name="Add this goal").bounding_box()
    gap = said.bounding_box()["y"] - (pressed["y"] + pressed["height"])
    assert 0 <= gap < 60, f"the message is {gap:.0f} px from the button"
    assert date.evaluate("el => el.validity.badInput")  # what was typed is still in the box
    assert date.get_attribute("aria-invalid") == "true"
    assert view.get_by_label("A small goal").input_value() == "Ask for feedback"
    with app.home.open(slug) as wb:
        assert wb.entries("goal") == []
    screenshot(page, "grow-goal-date-unclear")
    assert axe_problems(page) == []
    date.fill("2027-01-31")  # finished
    view.get_by_role("button", name="Add this goal").click()
    view.get_by_text("Ask for feedback").first.wait_for()
    with app.home.open(slug) as wb:
        assert [(g["title"], g["target_on"]) for g in wb.entries("goal")] == [
            ("Ask for feedback", "2027-01-31")
        ]
    assert date.input_value() == "" and date.get_attribute("aria-invalid") is None
    assert not page.errors
