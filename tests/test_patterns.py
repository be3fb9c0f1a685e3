"""Patterns across rejections: three workbooks read together, in plain words."""

from __future__ import annotations

import contextlib

import pytest

from workbook import content, patterns


def _rejection(home, name, *, happened, traits, feelings, logs=(), support=(), kind_acts=0):
    wb = home.create(name)
    wb.put("rejection", {"kind": "job or career", "happened_on": happened, "description": name})
    for trait, rating, touched in traits:
        wb.put(
            "trait", {"name": trait, "domain": "skills and experience", "rating": rating, "touched": touched}
        )
    for n, ratings in enumerate(feelings):
        wb.put("checkin", {"ratings": ratings}, at=f"{happened}T2{n}:00:00+00:00")
    for way in logs:
        wb.put("process_log", {"way": way, "done_on": happened})
    for option in support:
        wb.put("support_plan", {"option": option})
    for _ in range(kind_acts):
        wb.put("kind_act", {"done_on": happened, "text": "a walk by the river"})
    wb.put("therapist_note", {"stage": 2, "text": "not the person's own"}, author="therapist")
    return wb


@pytest.fixture
def three(home):
    with contextlib.ExitStack() as stack:
        books = [
            _rejection(
                home,
                "The bakery job",
                happened="2025-03-01",
                traits=[("patience", -2, True), ("kindness", 3, False), ("punctuality", 1, True)],
                feelings=[{"sadness": 8, "shame": 6}, {"sadness": 3, "relief": 5}],
                logs=["journaling", "journaling", "talking to someone"],
                support=["trusted people"],
                kind_acts=2,
            ),
            _rejection(
                home,
                "After the interview",
                happened="2026-05-10",
                traits=[("patience", -1, True), ("kindness", 2, False)],
                feelings=[{"anger": 7}, {"anger": 8}],
                logs=["journaling"],
                support=["trusted people", "online therapy"],
                kind_acts=1,
            ),
            _rejection(
                home,
                "Sam",
                happened="2025-11-20",
                traits=[("patience", 0, True), ("kindness", 3, False), ("humour", 3, False)],
                feelings=[{"hurt": 9}],
            ),
        ]
        for wb in books:
            stack.callback(wb.close)
        yield patterns.across((wb.path.stem, wb) for wb in books)


def test_the_rejections_come_oldest_first(three):
    assert list(three.rejections["workbook"]) == ["The bakery job", "Sam", "After the interview"]


def test_a_trait_blamed_again_and_again_and_strengths_that_held(three):
    blamed = patterns.blamed_again(three)
    assert list(blamed["trait"]) == ["patience"]
    assert list(blamed["times"]) == [3]
    held = patterns.strengths_held(three)
    assert list(held["trait"]) == ["kindness"]  # humour was rated once: not yet a pattern


def test_feelings_eased_is_counted_only_where_there_were_two_check_ins(three):
    eased = patterns.eased(three).set_index("workbook")
    assert dict(eased["lighter"]) == {"The bakery job": True, "After the interview": False}


def test_practices_kept_up_and_the_therapists_notes_dont_count(three):
    kept = patterns.kept_up(three).set_index("practice")
    assert kept.loc["journaling", "rejections"] == 2
    assert kept.loc["journaling", "times"] == 3
    assert kept.loc["kind_act", "rejections"] == 2
    assert "talking to someone" not in kept.index  # once only
    assert not (three.traits["trait"] == "not the person's own").any()


def test_the_sentences_a_person_reads(three):
    said = patterns.sentences(three)
    assert said[0] == "You have worked through 3 rejections in these workbooks."
    assert any("“patience” as part of the reason in 3 of 3" in s for s in said), said
    assert any(
        s.startswith("These stayed clear strengths every time you rated them: kindness.") for s in said
    )
    assert "lighter at your last check-in than at your first in 1 of the 2 rejections" in " ".join(said)
    assert "You kept coming back to journaling — in 2 of 3 rejections." in said
    assert any(s.startswith("The support you reached for: People you trust") for s in said), said


def test_in_spanish(three):
    content.set_language("es")
    said = patterns.sentences(three)
    assert said[0] == "Has trabajado 3 rechazos en estos cuadernos."
    assert "Volviste una y otra vez a escribir un diario: en 2 de 3 rechazos." in said


def test_one_workbook_says_nothing_yet(home):
    wb = _rejection(home, "Only one", happened="2026-01-01", traits=[], feelings=[])
    try:
        found = patterns.across([(wb.path.stem, wb)])
        assert patterns.sentences(found) == []
    finally:
        wb.close()


def test_two_empty_workbooks_say_there_is_little_to_compare(home):
    books = [_rejection(home, n, happened="2026-01-01", traits=[], feelings=[]) for n in ("A", "B")]
    try:
        said = patterns.sentences(patterns.across((wb.path.stem, wb) for wb in books))
        assert said == [
            "You have worked through 2 rejections in these workbooks.",
            content.text("patterns")["nothing_yet"],
        ]
    finally:
        for wb in books:
            wb.close()
