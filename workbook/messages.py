"""What goes wrong with what was typed, saved or brought in, in the person's language.

Messages live in data/text/messages.toml (a table per part: `store.busy` is the [store]
table's `busy`). Numbers are written the language's way (1,234 / 1.234). `words` is how
every Problem (workbook/errors.py) is put into words when it is shown, from any text file.
"""

from __future__ import annotations

from . import content, formats


def say(key: str, **values) -> str:
    """The message `key`, filled in with `values`, in the language in use."""
    found = content.text("messages")
    for part in key.split("."):
        found = found[part]
    return found.format(**{k: shown(v) for k, v in values.items()})


def words(text_file: str, key: str, values: dict, lang: str | None = None) -> str | None:
    """The sentence `key` (a dotted path) of data/text/<text_file>.toml filled in with
    `values`, in `lang` (by default the language in use); None when there is no such
    sentence or it can't be filled in with these values."""
    found = content.text(text_file, lang)
    for part in key.split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    if not isinstance(found, str):
        return None
    try:
        return found.format(**{k: shown(v, lang) for k, v in values.items()})
    except (KeyError, IndexError, ValueError):
        return None


def shown(value: object, lang: str | None = None) -> object:
    """A value as a sentence shows it: a number the language's way, something that says
    itself (a Problem, errors.Words) in the same language, anything else as it is."""
    say_it = getattr(value, "words", None)
    if callable(say_it):
        return say_it(lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number(value, lang=lang)
    return value
