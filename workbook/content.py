"""Shipped content from `data/`: emotions, traits, rejection kinds, page texts, resources.

Content is data: the words people read live in `data/`, not in Python. Everything is
loaded once per process and cached.
"""

from __future__ import annotations

import csv
import functools
import os
import tomllib
from dataclasses import dataclass

from .paths import data_dir

CRISIS_ENV = "REJECTION_WORKBOOK_CRISIS_LINE"
LANGUAGE_ENV = "REJECTION_WORKBOOK_LANGUAGE"
LANGUAGES = ("en", "es")  # English is the source; every other language has `data/text/<code>/`

# The language in use, by who chose it: the person on the start page (saved with their
# workbook) wins over the server's --language / $REJECTION_WORKBOOK_LANGUAGE, which wins
# over what their browser says. One kernel serves one person, so this is per process.
_chosen: dict[str, str] = {}


def language_code(value: object) -> str | None:
    """ "es", "es-MX", "es_AR.UTF-8" -> "es"; None for anything not offered."""
    if not isinstance(value, str):
        return None
    code = value.strip().replace("_", "-").split("-")[0].split(".")[0].lower()
    return code if code in LANGUAGES else None


def set_language(value: object, *, by: str = "person") -> str:
    """Use `value`'s language (by "person" or "browser"); None or unknown forgets that choice.
    Returns the language now in use."""
    code = language_code(value)
    if code:
        _chosen[by] = code
    else:
        _chosen.pop(by, None)
    return language()


def language() -> str:
    """The language pages are built in now ("en" or "es")."""
    return (
        _chosen.get("person")
        or language_code(os.environ.get(LANGUAGE_ENV))
        or _chosen.get("browser")
        or LANGUAGES[0]
    )


@dataclass(frozen=True)
class Emotion:
    word: str
    family: str
    pleasantness: int  # -3 very unpleasant .. 3 very pleasant
    energy: int  # -3 very low .. 3 very high
    hint: str


@dataclass(frozen=True)
class Trait:
    name: str
    domain: str
    hint: str


def _rows(name: str) -> list[dict]:
    with open(data_dir() / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def emotions() -> tuple[Emotion, ...]:
    """The emotion vocabulary, in file order."""
    return tuple(
        Emotion(r["word"], r["family"], int(r["pleasantness"]), int(r["energy"]), r["hint"])
        for r in _rows("emotions.csv")
    )


@functools.cache
def emotion_index() -> dict[str, Emotion]:
    """Emotion words to their Emotion."""
    return {e.word: e for e in emotions()}


@functools.cache
def traits() -> tuple[Trait, ...]:
    """The suggested traits, in file order."""
    return tuple(Trait(r["name"], r["domain"], r["hint"]) for r in _rows("traits.csv"))


@functools.cache
def rejection_kinds() -> dict[str, str]:
    """Rejection kind key -> the label a person sees."""
    return {r["key"]: r["label"] for r in _rows("rejection_kinds.csv")}


@functools.cache
def text(page: str) -> dict:
    """The words of one page (`data/text/<page>.toml`) as a nested dict."""
    with open(data_dir() / "text" / f"{page}.toml", "rb") as fh:
        return tomllib.load(fh)


@functools.cache
def resources() -> dict:
    """Crisis and support resources; the crisis line can be set with $REJECTION_WORKBOOK_CRISIS_LINE."""
    with open(data_dir() / "resources.toml", "rb") as fh:
        found = tomllib.load(fh)
    override = os.environ.get(CRISIS_ENV, "").strip()
    if override:
        found["crisis"]["line"] = override[:300]
    return found
