"""Stage 3 driven in Python: the path and where it leads, goals, steps, celebrations, progress."""

from __future__ import annotations

import datetime as dt

import pytest

from workbook.frames import frame
from workbook.stages.grow import GrowPage


@pytest.fixture
def stage(wb):
    return GrowPage()


def _footer_next(stage) -> str:
    import re

    return re.search(r'<a href="([^"]+)" class="wb-next"', stage.page.footer.value).group(1)


def _slug(wb) -> str:
    return wb.path.stem


def test_the_verdict_is_only_offered_as_a_hint(wb):
    wb.put("verdict", {"value": "does not hold"})
    stage = GrowPage()
    assert "you said the reason does not hold" in stage.hint.value
    assert "The choice is yours" in stage.hint.value
    assert stage.path.value is None  # nothing is chosen for the person


@pytest.mark.parametrize(
    ("path", "inline", "footer"),
    [
        ("grow", "#wb-goals", "04_heal.ipynb"),
        ("keep", "04_heal.ipynb", "04_heal.ipynb"),
        ("let go", "04_heal.ipynb", "04_heal.ipynb"),
    ],
)
def test_each_path_leads_where_it_should(wb, stage, path, inline, footer):
    stage.path.value = path
    assert wb.single("path_choice")["path"] == path
    assert stage.next_href().startswith(inline)
    if inline.endswith(".ipynb"):
        assert stage.next_href() == f"{inline}?workbook={_slug(wb)}"
    assert _footer_next(stage) == f"{footer}?workbook={_slug(wb)}"


def test_keep_is_affirmed_without_pressure(wb, stage):
    stage.path.value = "keep"
    assert "valid choice" in stage.after.value
    assert "not from pressure" in stage.after.value
    assert stage.goals_box.layout.display == "none"  # no goal forms pushed at someone who chose to stay


def test_the_choice_can_be_changed_and_the_links_follow(wb, stage):
    stage.path.value = "keep"
    assert "On to healing" in stage.page.footer.value
    stage.path.value = "grow"
    assert stage.next_href() == "#wb-goals"
    assert stage.goals_box.layout.display is None
    assert "Heal, whenever you&#x27;re ready" in stage.page.footer.value
    assert len(wb.history(wb.single("path_choice").entry_id)) == 2
    again = GrowPage()
    assert again.path.value == "grow" and again.next_href() == "#wb-goals"


def test_goals_steps_and_celebrations_are_saved_and_charted(wb, stage):
    trait = wb.put(
        "trait",
        {"name": "listening", "domain": "communication and relationships", "rating": -2, "touched": True},
    )
    stage = GrowPage()
    stage.path.value = "grow"
    stage.page.run_after_shown()
    assert [value for _label, value in stage.goal_trait.options] == ["", trait.entry_id]
    stage.goal_title.value = "Listen without interrupting"
    stage.goal_trait.value = trait.entry_id
    stage.goal_first.value = "Read about active listening"
    stage.goal_target.value = dt.date(2026, 6, 1)
    stage.goal_button.click()

    goals = frame(wb, "goal")
    assert list(goals["title"]) == ["Listen without interrupting"]
    assert goals["trait_id"].iloc[0] == trait.entry_id
    assert goals["target_on"].iloc[0] == dt.datetime(2026, 6, 1)
    assert stage.goal_title.value == ""  # the form is ready for the next goal
    goal_id = goals["entry_id"].iloc[0]
    assert stage.step_goal.value == goal_id

    stage.step_on.value = dt.date(2026, 5, 2)
    stage.step_text.value = "Let a friend finish every sentence"
    stage.step_button.click()
    assert "Every step counts" in stage.step_status.value
    stage.step_kind.value = "chance taken"
    stage.step_on.value = dt.date(2026, 5, 4)
    stage.step_text.value = "Asked a follow-up question at work"
    stage.step_button.click()
    stage.cheer_goal.value = goal_id
    stage.cheer_on.value = dt.date(2026, 5, 5)
    stage.cheer_what.value = "A whole meeting without interrupting"
    stage.cheer_how.value = "Ice cream"
    stage.cheer_button.click()

    steps = frame(wb, "step")
    assert list(steps["kind"]) == ["step", "chance taken"]
    assert str(steps["done_on"].dtype).startswith("datetime64")
    assert list(frame(wb, "celebration")["how"]) == ["Ice cream"]
    names = {t.name: list(t.x) for t in stage.chart.figure.data}
    assert names["Steps"] == [dt.date(2026, 5, 2)]
    assert names["Chances taken"] == [dt.date(2026, 5, 4)]
    assert names["Celebrations"] == [dt.date(2026, 5, 5)]
    card = stage.goal_list.children[0].children[0].value
    assert "Tied to: listening" in card and "1 step · 1 chance taken · 1 celebration" in card


def test_done_and_reopen(wb, stage):
    stage.path.value = "grow"
    stage.page.run_after_shown()
    stage.goal_title.value = "Sleep by eleven"
    stage.goal_button.click()
    toggle = stage.goal_list.children[0].children[1].children[0]
    assert toggle.description == "Mark done"
    toggle.click()
    assert wb.entries("goal")[0]["done"] is True
    assert "Done ✓" in stage.goal_list.children[0].children[0].value
    assert "Sleep by eleven ✓" in stage.chart.summary.value or "Done." in stage.chart.summary.value
    reopen = stage.goal_list.children[0].children[1].children[0]
    assert reopen.description == "Reopen"
    reopen.click()
    assert wb.entries("goal")[0]["done"] is False


def test_a_goal_whose_trait_was_removed_still_shows_calmly(wb):
    trait = wb.put("trait", {"name": "punctuality", "domain": "personality", "rating": -1})
    wb.put("goal", {"title": "Leave ten minutes early", "trait_id": trait.entry_id})
    wb.delete(trait.entry_id)
    stage = GrowPage()
    card = stage.goal_list.children[0].children[0].value
    assert "Leave ten minutes early" in card
    assert "Tied to: a trait you removed" in card
    assert stage.goals_box.layout.display is None  # goals already made stay in view


def test_a_goal_tied_to_a_trait_removed_meanwhile_is_refused_calmly(wb):
    trait = wb.put("trait", {"name": "punctuality", "domain": "personality", "rating": -1})
    stage = GrowPage()
    stage.goal_title.value = "Leave early"
    stage.goal_trait.value = trait.entry_id
    wb.delete(trait.entry_id)  # removed in Stage 2, in another tab
    stage.goal_button.click()
    assert "on your list any more" in stage.goal_status.value
    assert wb.entries("goal") == []
    assert stage.goal_title.value == "Leave early"


def test_bad_goal_and_step_input_changes_nothing(wb, stage):
    stage.goal_button.click()  # no title
    assert "wb-problem" in stage.goal_status.value
    stage.goal_title.value = "x" * 300
    stage.goal_button.click()
    assert "wb-problem" in stage.goal_status.value
    assert stage.goal_title.value == "x" * 300
    assert wb.entries("goal") == []
    stage.step_button.click()  # no goal yet
    assert "Add a goal first" in stage.step_status.value
    stage.cheer_button.click()  # nothing accomplished written
    assert "wb-problem" in stage.cheer_status.value
    assert wb.entries("step") == [] and wb.entries("celebration") == []


def test_remove_a_goal_and_undo(wb, stage):
    stage.path.value = "grow"
    stage.goal_title.value = "Call my sister weekly"
    stage.goal_button.click()
    goal_id = wb.entries("goal")[0].entry_id
    stage.step_text.value = "Called on Sunday"
    stage.step_button.click()
    stage.goal_list.children[0].children[1].children[1].click()  # Remove
    assert wb.entries("goal") == []
    assert "a goal you removed" in stage.steps.box.children[0].children[0].value
    assert not stage.step_goal.value and stage.step_button.disabled
    stage.goal_undo.click()
    assert [e.entry_id for e in wb.entries("goal")] == [goal_id]
    assert stage.step_goal.value == goal_id


# -- issue 21, item 6: a half-typed goal date --------------------------------------------------
def test_a_half_typed_goal_date_is_named_and_kept_not_dropped(wb, stage):
    import html

    stage.path.value = "grow"
    stage.goal_title.value = "Ask for feedback"
    stage.goal_first.value = "Write down one question"
    stage.goal_target.unclear = True  # what the browser's date box says while it holds "12/__/2027"
    stage.goal_button.click()
    said = html.unescape(stage.goal_status.value)
    assert "wb-problem" in said and "target date wasn't understood" in said
    assert "understood" not in stage.page.status.value  # said under the button, not at the page's foot
    assert wb.entries("goal") == []  # nothing saved without the date the person meant
    assert (
        stage.goal_title.value == "Ask for feedback" and stage.goal_first.value == "Write down one question"
    )
    assert stage.goal_target.unclear  # the box is left as it was: the typed text stays to be finished
    # finished, the goal is saved with its date and the form is cleared
    stage.goal_target.value, stage.goal_target.unclear = "2027-01-31", False
    stage.goal_button.click()
    assert [(e["title"], e["target_on"]) for e in wb.entries("goal")] == [("Ask for feedback", "2027-01-31")]
    assert stage.goal_target.value == "" and stage.goal_title.value == ""


@pytest.mark.parametrize("sent", ["2027-02-30", "31/01/2027", "20270131", "soon"])
def test_a_goal_date_that_is_not_a_date_is_refused_calmly(wb, stage, sent):
    stage.goal_title.value = "Ask for feedback"
    stage.goal_target.value = sent  # a tampered page can send anything
    stage.goal_button.click()
    assert "wb-problem" in stage.goal_status.value and "Traceback" not in stage.goal_status.value
    assert wb.entries("goal") == []
    assert stage.goal_title.value == "Ask for feedback"


def test_a_goal_without_a_date_is_still_fine(wb, stage):
    stage.goal_title.value = "Rest more"
    stage.goal_button.click()
    assert [e.data.get("target_on") for e in wb.entries("goal")] == [None]
