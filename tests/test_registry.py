"""One list of stages and one rule for where an entry belongs, read by every part of the workbook."""

from __future__ import annotations

import dataclasses

import pytest

from workbook import content, exchange, model, registry, report, share
from workbook.progress import stage_progress
from workbook.stages.kit import Page


def _progress(wb) -> dict[int, int]:
    return {p.stage: p.entries for p in stage_progress(wb)}


# -- the cases where the three old copies of the rule disagreed --------------------------------
def test_a_checkin_made_in_stage_two_belongs_to_stage_two_everywhere(wb):
    # progress used to count every check-in not made in Stage 1 as Stage 4
    wb.put("checkin", {"ratings": {"sadness": 4}, "stage": 2, "own_words": "CHECKIN-TWO"})
    assert _progress(wb) == {1: 0, 2: 1, 3: 0, 4: 0, 5: 0}
    assert "CHECKIN-TWO" in report.report_html(wb, [2])
    assert "CHECKIN-TWO" not in report.report_html(wb, [4])
    assert [r.kind for r in exchange.share_revisions(wb, [2])] == ["checkin"]
    assert exchange.share_revisions(wb, [4]) == []
    assert len(report.stage_frames(wb, [2])["emotions"]) == 1


def test_an_answer_to_a_therapists_question_belongs_to_the_questions_stage(wb):
    # progress used to count answers nowhere; the share file and the report put them with the question
    question = wb.put("therapist_prompt", {"stage": 3, "text": "What would help?"}, author="therapist")
    wb.put("prompt_answer", {"prompt_id": question.entry_id, "text": "ANSWER-THREE"})
    assert _progress(wb) == {1: 0, 2: 0, 3: 1, 4: 0, 5: 0}
    assert "ANSWER-THREE" in report.report_html(wb, [3])
    assert [r.kind for r in exchange.share_revisions(wb, [3])] == ["prompt_answer"]
    assert len(report.stage_frames(wb, [3])["prompt_answer"]) == 1
    assert len(report.stage_frames(wb, [2])["prompt_answer"]) == 0


def test_a_therapists_words_and_done_marks_are_not_the_persons_entries(wb):
    wb.put("therapist_note", {"stage": 2, "text": "NOTE"}, author="therapist")
    wb.put("therapist_prompt", {"stage": 2, "text": "A question"}, author="therapist")
    wb.put("stage_done", {"stage": 2, "done": True})
    assert _progress(wb)[2] == 0
    assert [p.done for p in stage_progress(wb)] == [False, True, False, False, False]


@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("checkin", {"ratings": {"joy": 1}}, 1),  # a check-in with no stage is Stage 1's
        ("checkin", {"ratings": {"joy": 1}, "stage": 4}, 4),
        ("stage_done", {"stage": 3, "done": True}, 3),
        ("therapist_note", {"stage": 0, "text": "whole"}, 0),
        ("letter", {"text": "x"}, 4),
        ("prompt_answer", {"prompt_id": "nobody", "text": "x"}, 0),  # its question is gone
    ],
)
def test_the_one_rule(kind, data, expected):
    entry = type("E", (), {"kind": kind, "data": data})()
    assert registry.stage_of(entry, {}) == expected


def test_every_kind_of_entry_has_one_owner_at_most():
    owned = [k for s in registry.STAGES for k in s.kinds]
    assert len(owned) == len(set(owned))
    assert set(owned) <= set(model.KINDS)
    unowned = set(model.KINDS) - set(owned)
    assert unowned == {"stage_done", "therapist_prompt", "therapist_note", "prompt_answer"}


# -- a stage added in one place turns up everywhere ----------------------------------------------
@pytest.fixture
def rest_stage(monkeypatch):
    """A test-only sixth stage, 'Rest', with one kind of entry: registered here, nowhere else."""
    journey = registry.by_key("journey")
    rest = registry.Stage(6, "rest", "06_rest.ipynb", "rest", ("rest_note",), in_method=True)
    stages = tuple(s for s in registry.STAGES if s.key != "journey")
    monkeypatch.setattr(registry, "STAGES", (*stages, rest, dataclasses.replace(journey, number=7)))
    kinds = dict(model.KINDS)
    kinds["rest_note"] = model.Kind("rest_note", (model.Field("text", "text", "what rested", required=True),))
    monkeypatch.setattr(model, "KINDS", kinds)
    words = content.text

    def text(page, *args, **kwargs):  # the stage's block of words
        found = words(page, *args, **kwargs)
        if page == "common":
            found = {**found, "titles": {**found["titles"], "rest": "Rest a while"}}
        if page == "report":
            found = {**found, "kinds": {**found["kinds"], "rest_note": "Rest notes"}}
        return found

    monkeypatch.setattr(content, "text", text)
    return rest


def test_a_stage_added_to_the_registry_shows_in_nav_progress_share_and_report(rest_stage, wb):
    wb.put("rest_note", {"text": "REST-TEXT"})

    nav = Page(1).header.value
    assert 'href="06_rest.ipynb?workbook=' in nav and "Rest a while" in nav

    assert [(p.stage, p.entries) for p in stage_progress(wb)][-1] == (6, 1)

    data = exchange.share_file(wb, [6])
    bundle = share.read(data, expect="share")
    assert bundle.stages == [6]
    assert [(r.kind, r.data["text"]) for r in bundle.revisions] == [("rest_note", "REST-TEXT")]

    html = report.report_html(wb, [6])
    assert "6. Rest a while" in html and "Rest notes" in html and "REST-TEXT" in html
    assert "REST-TEXT" not in report.report_html(wb, [1, 2])
