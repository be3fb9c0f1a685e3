"""The one rule for text that enters the store, from any door (a page, a file, the command line).

- Only valid Unicode: a lone UTF-16 surrogate (which JSON can carry as an escape) is refused,
  because it cannot be saved, shown or written to a file later.
- Control characters and the invisible direction overrides (which can make text display in
  an order other than the one it was written in) are removed. Long text keeps its line
  breaks and tabs; one-line text and names turn them into spaces.
- Names are NFC-normalised (so "é" typed two ways is one name), with runs of spaces made one,
  and are refused when nothing is left.

`looks_alike` finds names that differ only in letters that look the same (a Latin "a" and a
Cyrillic "а"), so lists can mark them.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import InvalidEntry, Problem, Words

# C0 and C1 controls and DEL (newline, carriage return and tab are decided per kind of text),
# and the embeddings, overrides and isolates that reorder how text displays ("Trojan source").
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\n\r\t]")


def clean_text(value: str, *, what: object = None, multiline: bool = True) -> str:
    """`value` with control and direction-override characters removed; InvalidEntry if not valid text.

    With `multiline=False` line breaks and tabs become spaces. `what` names the text in the
    message (a word, or words said when shown: errors.Words, a model.Field).
    """
    if not isinstance(value, str):
        raise InvalidEntry("should_be_text", field=what or Words("messages", "this_text"))
    if value.isascii() and value.isprintable():
        return value  # the common case, with nothing to remove (checked quickly)
    try:
        value.encode("utf-8")  # only a lone surrogate can't be: the quickest way to find one
    except UnicodeEncodeError:
        raise InvalidEntry("not_text", field=what or Words("messages", "this_text")) from None
    value = _DROP.sub("", value)
    return value if multiline else _LINE_BREAKS.sub(" ", value)


def clean_name(value: object, *, what: object = None, empty: str | Problem | None = None) -> str:
    """A name: valid text on one line, NFC, single spaces, trimmed; InvalidEntry when empty
    (or `empty`, the Problem to raise then; a sentence is said as it is)."""
    what = what or Words("messages", "the_name")
    if not isinstance(value, str):
        raise _empty(empty) or InvalidEntry("should_be_text", field=what)
    if value.isascii():  # NFC leaves ASCII as it is
        name = " ".join(clean_text(value, what=what, multiline=False).split())
    else:
        name = " ".join(unicodedata.normalize("NFC", clean_text(value, what=what, multiline=False)).split())
    if not name:
        raise _empty(empty) or InvalidEntry("fill_in", field=what)
    return name


def _empty(empty: str | Problem | None) -> Problem | None:
    """The Problem a caller of `clean_name` chose for an empty name, if any."""
    return empty if empty is None or isinstance(empty, Problem) else InvalidEntry(empty)


def passphrase_forms(passphrase: str) -> list[str]:
    """The passphrase as keys are made from it now (NFC), then as typed, if that differs.

    Files sealed before passphrases were normalised used the passphrase as typed; trying
    both keeps them opening.
    """
    nfc = unicodedata.normalize("NFC", passphrase)
    return [nfc] if nfc == passphrase else [nfc, passphrase]


# Letters of other scripts that look like Latin ones (a small, common part of Unicode's
# confusables list: Cyrillic and Greek capitals and small letters).
_CONFUSABLE = str.maketrans(
    {
        **dict(zip("АВСЕНІЈКМОРЅТХУ", "ABCEHIJKMOPSTXY", strict=True)),
        **dict(zip("аԁсеһіјӏорԛѕԝхуɡ", "adcehijlopqswxyg", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
        **dict(zip("αορνικτυχ", "aopviktux", strict=True)),
        "ı": "i",
        "ℓ": "l",
    }
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def skeleton(name: str) -> str:
    """What a name looks like: look-alike letters folded together, case and accents ignored."""
    folded = unicodedata.normalize("NFKD", name.translate(_INVISIBLE).translate(_CONFUSABLE))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def looks_alike(names) -> set[str]:
    """The names in `names` that look like another, different name in `names`."""
    by_look: dict[str, set[str]] = {}
    for name in names:
        by_look.setdefault(skeleton(name), set()).add(name)
    return {name for group in by_look.values() if len(group) > 1 for name in group}


def labels(pairs) -> dict[str, str]:
    """slug -> the name to show for each (name, slug) in one list, with names that look like
    another name in the list marked and told apart by their file name (slug)."""
    from .content import text

    pairs = list(pairs)
    alike = looks_alike(name for name, _slug in pairs)
    mark = text("common")["looks_like"]
    return {slug: mark.format(name=name, slug=slug) if name in alike else name for name, slug in pairs}
