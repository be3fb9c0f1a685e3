"""A check-in's feelings, checked as every value is before it is saved (`workbook.model`):
each feeling a name by the text rule, each strength a whole number from 0 to 10, at least one
and at most `MAX_RATINGS` of them. A feeling named in a problem is shown as its label in the
language in use when the problem is shown.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from . import content
from . import text as _text_rule
from .errors import InvalidEntry, Words

MAX_RATINGS = 40
MAX_EMOTION_LEN = 60


@dataclass(frozen=True)
class _Feeling:
    """A feeling's kept word, shown as its label in the language in use when a Problem is shown."""

    word: str

    def words(self, lang: str | None = None) -> str:
        return content.emotion_label(self.word)


@functools.lru_cache(maxsize=4096)  # feelings come from a small vocabulary: a file repeats them
def _emotion_name(name: str | None) -> str:
    return _text_rule.clean_name(
        name, what=Words("messages", "feeling_word"), empty=InvalidEntry("feeling_name")
    ).lower()


def check_ratings(value: Any) -> dict[str, int]:
    """Emotion ratings as {emotion: 0..10}; at least one, at most MAX_RATINGS."""
    if not isinstance(value, dict) or not value:
        raise InvalidEntry("pick_feeling")
    if len(value) > MAX_RATINGS:
        raise InvalidEntry("too_many_feelings", n=MAX_RATINGS)
    clean = {}
    for emotion, intensity in value.items():
        emotion = _emotion_name(emotion) if isinstance(emotion, str) else _emotion_name(None)
        if len(emotion) > MAX_EMOTION_LEN:
            raise InvalidEntry("feeling_too_long", n=MAX_EMOTION_LEN)
        if isinstance(intensity, bool) or not isinstance(intensity, int | float):
            raise InvalidEntry("strength_number", feeling=_Feeling(emotion))
        if not (0 <= intensity <= 10) or intensity != int(intensity):
            raise InvalidEntry("strength_range", feeling=_Feeling(emotion), value=str(intensity))
        clean[emotion] = int(intensity)
    return clean
