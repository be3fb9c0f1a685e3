"""Shipped content: complete, consistent with the model, and loaded from data/."""

from __future__ import annotations

from workbook import content, model
from workbook.paths import data_dir

REQUIRED_EMOTIONS = {
    "anger",
    "sadness",
    "shame",
    "embarrassment",
    "jealousy",
    "loneliness",
    "confusion",
    "anxiety",
    "numbness",
    "relief",
}


def test_emotion_vocabulary_is_rich_and_rated():
    emotions = content.emotions()
    words = [e.word for e in emotions]
    assert len(words) >= 60
    assert len(set(words)) == len(words)
    assert set(words) >= REQUIRED_EMOTIONS
    assert all(-3 <= e.pleasantness <= 3 and -3 <= e.energy <= 3 for e in emotions)
    assert all(e.hint and len(e.word) <= model.MAX_EMOTION_LEN for e in emotions)
    assert {e.pleasantness > 0 for e in emotions} == {True, False}  # pleasant ones too
    families = {e.family for e in emotions}
    assert len(families) >= 6


def test_trait_list_covers_every_domain():
    traits = content.traits()
    assert len(traits) >= 80
    assert {t.domain for t in traits} == set(model.TRAIT_DOMAINS)
    assert len({t.name for t in traits}) == len(traits)
    assert all(len(t.name) <= model.SHORT_TEXT for t in traits)


def test_rejection_kinds_match_the_model():
    assert tuple(content.rejection_kinds()) == model.REJECTION_KINDS


def test_page_texts_load_and_name_the_crisis_line():
    assert content.text("common")["titles"]["feel"] == "Feel it"
    assert content.text("start")["welcome_title"].strip()
    assert content.text("feel")["intro"].strip()
    crisis = content.resources()["crisis"]
    assert "988" in crisis["line"]
    assert "emergency" in crisis["line"]


def test_content_is_data_not_code():
    shipped = {p.suffix for p in data_dir().rglob("*") if p.is_file()}
    assert shipped <= {".csv", ".toml", ".jsonl", ".json", ".md"}
