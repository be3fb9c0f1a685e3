"""Stage 2 driven in Python: the widgets a person uses, checked against the store and frames."""

from __future__ import annotations

import ipywidgets as w
import pandas as pd
import pytest

from workbook.frames import frame
from workbook.model import InvalidEntry
from workbook.stages.reason import ReasonPage


@pytest.fixture
def stage(wb):
    return ReasonPage()


def _html_text(widget) -> str:
    """All the HTML a widget and its children show."""
    own = widget.value if isinstance(widget, w.HTML) else ""
    return " ".join([own, *(_html_text(c) for c in getattr(widget, "children", ()))])


def _status(stage) -> str:
    return stage.page.status.value


def test_the_reason_is_saved_and_comes_back(wb, stage):
    stage.status.value = "partly known"
    stage.reason_text.value = "They said I seemed too quiet."
    assert wb.single("reason").data == {"status": "partly known", "text": "They said I seemed too quiet."}
    again = ReasonPage()
    assert again.status.value == "partly known"
    assert again.reason_text.value == "They said I seemed too quiet."


def test_words_written_before_choosing_are_kept_and_then_saved(wb, stage):
    stage.reason_text.value = "I think it was my age."
    assert wb.single("reason") is None
    assert "Your words are kept" in _status(stage)
    again = ReasonPage()  # the tab was closed before a choice was made
    assert again.reason_text.value == "I think it was my age."
    again.status.value = "unknown"
    assert wb.single("reason").data == {"status": "unknown", "text": "I think it was my age."}


def test_search_and_area_filter_the_shipped_traits(stage):
    stage.search.value = "listen"
    names = [value for _label, value in stage.suggestions.options]
    assert names and all("listen" in n for n in names)
    stage.search.value = ""
    stage.area.value = "education"
    labels = [label for label, _value in stage.suggestions.options]
    assert len(labels) >= 10 and all(label.endswith("· education") for label in labels)
    stage.search.value = "zzzz nothing like this"
    assert stage.suggestions.options == ()
    assert stage.add_button.disabled
    assert "add it as a trait of your own" in stage.hint.value


def test_rate_mark_note_and_see_the_frame(wb, stage):
    stage.search.value = "patience"
    stage.add_selected()
    stage.own_name.value = "Juggling three jobs"
    stage.own_area.value = "skills and experience"
    stage.add_own()
    patience, juggling = stage.rows.values()
    patience.rating.value = 3
    juggling.rating.value = -2
    juggling.touched.value = True
    juggling.note.value = "I was stretched thin."

    traits = frame(wb, "trait")
    assert list(traits["name"]) == ["patience", "Juggling three jobs"]
    assert list(traits["rating"]) == [3, -2]
    assert str(traits["rating"].dtype) == "Int64"
    assert str(traits["touched"].dtype) == "boolean"
    assert isinstance(traits["domain"].dtype, pd.CategoricalDtype)
    assert list(traits["domain"]) == ["personality", "skills and experience"]
    assert traits["note"].iloc[1] == "I was stretched thin."
    # every rating is kept in the history
    history = frame(wb, "trait", history=True)
    assert list(history[history["name"] == "patience"]["rating"]) == [0, 3]
    # and the suggestions no longer offer what is already on the list
    stage.search.value = "patience"
    assert stage.suggestions.options == ()


def test_the_picture_waits_for_the_page_then_follows_every_rating(wb, stage):
    stage.search.value = "patience"
    stage.add_selected()
    assert stage.charts is None  # nothing heavy before the page is on screen
    stage.page.run_after_shown()
    by_trait, by_domain = stage.charts
    assert [t.name for t in by_trait.figure.data] == ["Neither"]

    row = next(iter(stage.rows.values()))
    row.rating.value = -2
    assert [(t.name, list(t.x)) for t in by_trait.figure.data] == [("Weaknesses", [-2])]
    row.touched.value = True
    assert list(by_trait.figure.data[0].y) == ["patience ◆"]
    assert "The reason touches: patience." in by_trait.summary.value
    assert "Personality: no strength points and 2 weakness points" in by_domain.summary.value
    row.rating.value = 2
    assert by_trait.figure.data[0].name == "Strengths"


def test_a_rating_outside_the_scale_is_refused_calmly(wb, stage):
    stage.search.value = "patience"
    stage.add_selected()
    row = next(iter(stage.rows.values()))
    row.rating.value = 2
    stage.page.guard(row.save)(rating=5)  # what a page could send
    assert "goes from -3 to 3" in _status(stage)
    assert 'role="alert"' in _status(stage)
    assert wb.entries("trait")[0]["rating"] == 2
    with pytest.raises(InvalidEntry):
        wb.put("trait", {"name": "x", "rating": -4})
    assert len(wb.entries("trait")) == 1


def test_bad_trait_input_changes_nothing(wb, stage):
    for name, domain in (("", "personality"), ("x" * 500, "personality"), ("fine", "astrology")):
        stage.page.guard(stage.add_trait)(name, domain)
        assert "wb-problem" in _status(stage)
    stage.own_name.value = "patience"
    stage.add_own()
    stage.search.value = ""
    stage.own_name.value = "Patience"
    stage.page.guard(stage.add_own)()
    assert "already on your list" in _status(stage)
    assert stage.own_name.value == "Patience"  # what was typed stays
    assert [e["name"] for e in wb.entries("trait")] == ["patience"]


def test_remove_and_undo_a_trait(wb, stage):
    stage.search.value = "kindness"
    stage.add_selected()
    stage.page.run_after_shown()
    row = next(iter(stage.rows.values()))
    row.rating.value = 3
    row.remove.click()
    assert wb.entries("trait") == []
    assert stage.charts[0].figure.data == ()
    assert stage.undo.layout.display is None
    stage.undo.click()
    assert [e["rating"] for e in wb.entries("trait")] == [3]
    assert [t.name for t in stage.charts[0].figure.data] == ["Strengths"]


def test_case_points_for_and_against_are_separate_entries(wb, stage):
    form_for, form_against = stage.case_forms["for"], stage.case_forms["against"]
    form_for.widgets["text"].value = "I was late once."
    form_for.button.click()
    form_against.widgets["text"].value = "They praised my work."
    form_against.button.click()
    form_against.widgets["text"].value = "<script>alert(1)</script>"
    form_against.button.click()

    points = frame(wb, "case_point")
    assert list(points["side"]) == ["for", "against", "against"]
    assert len(stage.case_lists["for"].box.children) == 1
    against_html = " ".join(row.children[0].value for row in stage.case_lists["against"].box.children)
    assert "<script>" not in against_html and "&lt;script&gt;" in against_html
    # each point can be removed on its own
    stage.case_lists["against"].box.children[0].children[1].click()
    assert len(wb.entries("case_point")) == 2


def test_an_empty_case_point_is_not_saved(wb, stage):
    stage.case_forms["for"].button.click()
    assert "wb-problem" in stage.case_forms["for"].status.value  # beside the button pressed
    assert wb.entries("case_point") == []


def test_verdict_is_saved_with_its_kind_note(wb, stage):
    page_text = " ".join(_html_text(box) for box in stage.page.body)
    assert "does not make you a bad person" in page_text
    stage.verdict.value = "partly holds"
    stage.verdict_note.value = "Some of it rings true."
    assert wb.single("verdict").data == {"value": "partly holds", "note": "Some of it rings true."}
    stage.verdict.value = "can't know"
    assert wb.single("verdict")["value"] == "can't know"
    assert len(wb.history(wb.single("verdict").entry_id)) == 3


def test_a_giant_reason_is_refused_and_stays_on_the_page(wb, stage):
    stage.status.value = "known"
    giant = "word " * 2000
    stage.reason_text.value = giant
    assert "wb-problem" in _status(stage)
    assert stage.reason_text.value == giant
    assert wb.single("reason")["text"] is None


def test_a_trait_search_picks_only_what_was_asked_and_never_fills_my_own_trait(wb, stage):
    stage.search.value = "zzzz nothing like this"
    assert stage.own_name.value == ""  # a search is not a trait of my own
    stage.search.value = "pati"
    found = [value for _label, value in stage.suggestions.options]
    if len(found) > 1:
        assert stage.suggestions.value is None
    stage.search.value = "patience"
    assert stage.suggestions.options[0][1] == "patience"
    assert stage.suggestions.value == "patience"
    stage.add_selected()
    assert [e["name"] for e in wb.entries("trait")] == ["patience"]


def test_writing_waiting_for_a_pause_is_saved_first_when_the_person_moves_on(wb, monkeypatch):
    """Typing the reason and then at once adding a trait: the words are saved before the
    trait, so the status line ends on the trait (it used to be overwritten by the late save)."""
    from workbook.stages import kit

    class Timer:
        def __init__(self, callback):
            self.callback, self.cancelled = callback, False

        def cancel(self):
            self.cancelled = True

    class Pauses:
        """A kernel's loop as far as typing needs one: timers that run when we say."""

        def __init__(self):
            self.timers: list[Timer] = []

        def call_later(self, _delay, callback):
            self.timers.append(Timer(callback))
            return self.timers[-1]

        def pass_time(self):
            for timer in self.timers:
                if not timer.cancelled:
                    timer.callback()

    pauses = Pauses()
    monkeypatch.setattr(kit, "_kernel_loop", lambda: pauses)  # as if inside a kernel
    stage = ReasonPage()
    stage.status.value = "partly known"
    stage.reason_text.value = "Not enough experience."
    assert not wb.single("reason")["text"]  # still waiting for a pause in the typing
    stage.own_name.value = "Juggling three jobs"
    stage.own_button.click()
    assert wb.single("reason")["text"] == "Not enough experience."
    assert "Saved Juggling three jobs to your list" in _status(stage)
    pauses.pass_time()
    assert "Juggling three jobs" in _status(stage)  # not saved again over it
    assert len(wb.history(wb.single("reason").entry_id)) == 2


# -- words kept as a draft, and sharing (issue 20, item 2) ---------------------------------------
def _share_text(box) -> str:
    return box.working.text.value


def test_a_draft_on_stage_2_is_named_before_a_share_file_is_made(home, wb):
    import base64
    import re

    from workbook import exchange
    from workbook.stages import start

    wb.put("rejection", {"kind": "friend", "description": "We drifted apart"})
    draft_page = ReasonPage()
    draft_page.reason_text.value = "DRAFT-WORDS I think it was my age."  # before "Was I told why?"
    assert wb.single("reason") is None

    box = start.StartPage().therapist.share
    box.stages[1].value = box.stages[2].value = True
    box.button.click()
    said = _share_text(box)
    assert "Stage 2 (Look at the reason) has writing that isn&#x27;t saved yet" in said
    assert "wb-download" not in said  # nothing left

    # the person answers the question: the words are saved with it, and go with the rest
    draft_page.status.value = "unknown"
    box.stages[1].value = box.stages[2].value = True
    box.button.click()
    found = re.search(r'href="data:[^;]+;base64,([^"]+)"', _share_text(box))
    assert found, _share_text(box)
    result = exchange.import_share(exchange.practice_home(home), base64.b64decode(found.group(1)))
    with exchange.practice_home(home).open(result.slug) as copy:
        assert copy.single("reason").data["text"] == "DRAFT-WORDS I think it was my age."


def test_pressing_again_after_the_warning_sends_without_the_draft(home, wb):
    from workbook.stages import start

    ReasonPage().reason_text.value = "Only a draft"
    box = start.StartPage().therapist.share
    box.stages[2].value = True
    box.button.click()
    assert "isn&#x27;t saved yet" in _share_text(box)
    box.stages[2].value = True
    box.button.click()  # told, and pressed again: the person chose
    assert "wb-download" in _share_text(box)
    assert wb.meta("draft_reason") == "Only a draft"  # still kept on this computer


def test_a_draft_on_a_stage_not_chosen_is_no_reason_to_wait(home, wb):
    from workbook.stages import start

    ReasonPage().reason_text.value = "Only a draft"
    wb.put("rejection", {"kind": "friend", "description": "We drifted apart"})
    box = start.StartPage().therapist.share
    box.stages[1].value = True
    box.button.click()
    assert "wb-download" in _share_text(box)


def test_a_client_on_a_practice_server_is_told_before_sending(home, wb, monkeypatch):
    from workbook import transport
    from workbook.stages import start

    from .fake_transport import FakeExchange

    sent = []
    server = FakeExchange()
    monkeypatch.setattr(server, "linked", lambda _wb: True)
    monkeypatch.setattr(server, "send_share", lambda _wb, stages, passphrase=None: sent.append(stages))
    with transport.using(server):  # the practice server, for this test only
        assert transport.chosen().by_server
        reason = ReasonPage()
        reason.verdict_note.value = "VERDICT DRAFT"  # before choosing a verdict
        wb.set_meta("language", "es")  # chosen on the start page: every page is built in it
        client = start.StartPage().hub
        client.stages[2].value = True
        client.send_button.click()
        assert sent == []
        assert "La etapa 2 (Mira el motivo) tiene algo escrito que aún no está guardado" in (
            client.send_status.value
        )
        client.stages[2].value = True
        client.send_button.click()
        assert sent == [[2]]


def test_every_kind_of_draft_is_found_on_its_own_stage(wb):
    from workbook.stages.sharing import unsaved_writing

    assert unsaved_writing(wb, [1, 2, 3, 4, 5]) == []
    wb.set_meta("draft_path_choice", "I might keep trying")  # Stage 3, before choosing a path
    wb.set_meta("checkin_draft_4", {"ratings": {"sadness": 3}, "own_words": "heavy today"})
    wb.set_meta("checkin_draft_1", {"ratings": {"sadness": 6}, "own_words": ""})  # no words
    wb.set_meta("draft_verdict", "   ")  # only spaces: nothing to lose
    assert unsaved_writing(wb, [1, 2, 3, 4, 5]) == [3, 4]
    assert unsaved_writing(wb, [1, 2]) == []
