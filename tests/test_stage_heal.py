"""Stage 4 — Heal, driven in Python the way a person would use the page."""

from __future__ import annotations

import datetime as dt

from workbook.stages.heal import HealPage

XSS = "<img src=x onerror=alert(1)>"


def _page_html(heal: HealPage) -> str:
    """All the HTML the page shows (headers, intros, lists), in one string."""
    found = []

    def walk(widget):
        value = getattr(widget, "value", None)
        if isinstance(value, str) and widget.__class__.__name__ == "HTML":
            found.append(value)
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(heal.widget)
    return "\n".join(found)


def _rows(entry_list) -> list[str]:
    return [
        row.children[0].value for row in entry_list.box.children if hasattr(row, "children") and row.children
    ]


def test_stage_2_strengths_flow_in_as_good_qualities(wb):
    wb.put("trait", {"name": "patience", "domain": "personality", "rating": 2})
    wb.put("trait", {"name": "design craft", "domain": "skills and experience", "rating": 3})
    wb.put("trait", {"name": "public speaking", "domain": "skills and experience", "rating": -2})
    wb.put("trait", {"name": "small talk", "domain": "communication and relationships", "rating": 0})

    shown = HealPage().from_traits.value

    assert "design craft" in shown and "patience" in shown
    assert shown.index("design craft") < shown.index("patience")  # strongest first
    assert "a clear strength" in shown
    assert "public speaking" not in shown and "small talk" not in shown


def test_a_strength_rated_later_appears_on_the_next_visit(wb):
    before = HealPage().from_traits.value
    assert "Stage 2" in before and "kindness" not in before
    wb.put("trait", {"name": "kindness", "domain": "personality", "rating": 1})
    assert "kindness" in HealPage().from_traits.value


def test_own_qualities_are_added_kept_and_shown_as_text(wb):
    heal = HealPage()
    heal.quality_form.widgets["text"].value = "I make people laugh " + XSS
    heal.quality_form.button.click()

    assert [e["text"] for e in wb.entries("quality")] == ["I make people laugh " + XSS]
    again = HealPage()
    row = _rows(again.qualities)[0]
    assert "I make people laugh" in row
    assert "<img" not in row and "&lt;img" in row


def test_acceptance_is_saved_in_own_words_and_comes_back(wb):
    heal = HealPage()
    heal.acceptance.value = "It happened, and I don't know why. I can live with not knowing."
    assert wb.single("acceptance")["text"].startswith("It happened")
    assert "It happened" in HealPage().acceptance.value


def test_acceptance_hint_fits_an_unknown_reason(wb):
    wb.put("reason", {"status": "unknown"})
    assert "never learn the reason" in _page_html(HealPage())


def test_a_boundary_needs_a_plan_and_keeps_its_kind_and_span(wb):
    heal = HealPage()
    form = heal.boundary_form
    form.widgets["type"].value = "mental"
    form.widgets["span"].value = "for good"
    form.button.click()
    assert wb.entries("boundary") == []
    assert "Please fill in" in form.status.value  # beside the button, not at the foot

    form.widgets["plan"].value = "Mute their messages; text my sister instead of checking."
    form.button.click()
    saved = wb.entries("boundary")
    assert [(e["type"], e["span"]) for e in saved] == [("mental", "for good")]
    assert "Mental" in _rows(heal.boundaries)[0] and "For good" in _rows(heal.boundaries)[0]


def test_the_page_says_a_professional_can_help_with_boundaries_and_that_no_one_is_unworthy(wb):
    html = _page_html(HealPage())
    assert "counsellor or therapist can help" in html
    assert "does not make you unworthy of love or acceptance" in html


def test_a_self_compassion_pause_walks_through_three_steps(wb):
    heal = HealPage()
    html = _page_html(heal)
    for step in ("Notice that this hurts", "not alone", "kindness"):
        assert step in html
    heal.pause_form.widgets["noticing"].value = "A tight chest."
    heal.pause_form.widgets["kindness"].value = "You're doing fine."
    heal.pause_form.button.click()
    (pause,) = wb.entries("compassion_pause")
    assert pause["noticing"] == "A tight chest." and pause["common"] is None
    assert "A tight chest." in _rows(heal.pauses)[0]


def test_a_pause_without_words_still_counts(wb):
    heal = HealPage()
    heal.pause_form.button.click()
    assert len(wb.entries("compassion_pause")) == 1
    assert "without words" in _rows(heal.pauses)[0]


def test_the_letter_is_saved_while_written_and_offered_again_on_a_later_visit(wb):
    heal = HealPage()
    heal.letter.value = "Dear me,"
    heal.letter.value = "Dear me,\nYou did your best. " + XSS
    (letter,) = wb.entries("letter")
    assert letter["text"].endswith(XSS)
    assert "You did your best." in _rows(heal.letters)[0]
    assert "<img" not in _rows(heal.letters)[0]
    assert HealPage().letter_back.value == ""  # written today: nothing to offer back yet

    earlier = (dt.datetime.now().astimezone() - dt.timedelta(days=3)).isoformat()
    wb.put("letter", {"text": "An older letter, full of care."}, at=earlier)
    back = HealPage().letter_back.value
    assert "An older letter, full of care." in back
    assert "<details>" in back and "Read it again" in back


def test_a_fresh_letter_keeps_the_first(wb):
    heal = HealPage()
    heal.letter.value = "First letter."
    heal.new_letter.click()
    assert heal.letter.value == ""
    heal.letter.value = "Second letter."
    assert sorted(e["text"] for e in wb.entries("letter")) == ["First letter.", "Second letter."]


def test_an_oversized_letter_gets_a_calm_message_and_stays_on_the_page(wb):
    heal = HealPage()
    heal.letter.value = "x" * 30_000
    assert wb.entries("letter") == []
    assert "split it in two" in heal.page.status.value
    assert "Traceback" not in heal.page.status.value
    assert heal.letter.value == "x" * 30_000


def test_kind_acts_are_logged_with_their_day(wb):
    heal = HealPage()
    heal.act_form.widgets["text"].value = "An early night."
    heal.act_form.button.click()
    (act,) = wb.entries("kind_act")
    assert act["done_on"] == dt.date.today().isoformat()
    assert "An early night." in _rows(heal.acts)[0]


def test_a_stage_4_check_in_is_drawn_against_stage_1(wb):
    wb.put("checkin", {"ratings": {"sadness": 8, "anger": 6}, "stage": 1})
    heal = HealPage()
    assert heal.chart.figure is None  # drawn only once the page is on screen
    heal.page.run_after_shown()
    assert "This is your only check-in" in heal.chart_note.value

    heal.checkin.add("sadness", 3)
    heal.checkin.add("hopeful", 4)
    heal.checkin.save_button.click()

    stages = [e["stage"] for e in wb.entries("checkin")]
    assert stages == [1, 4]
    lines = {trace.name: list(trace.y) for trace in heal.chart.figure.data}
    assert lines["sadness"] == [8, 3]
    assert lines["anger"] == [6] and lines["hopeful"] == [4]
    assert "sadness: from 8" in heal.chart.summary.value and "to 3" in heal.chart.summary.value


def test_no_workbook_means_a_calm_page(home):
    heal = HealPage()
    assert heal.page.wb is None
    assert "No workbook is open yet" in heal.page.header.value
