"""Shipped content from `data/`: emotions, traits, rejection kinds, page texts, resources.

Content is data: the words people read live in `data/`, not in Python. Everything is
loaded once per process and cached.
"""

from __future__ import annotations

import csv
import functools
import html
import os
import re
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
    _choose(_chosen, by, language_code(value))
    return language()


def _choose(choices: dict[str, str], by: str, code: str | None) -> None:
    """Remember `code` as `by`'s choice, or forget `by`'s choice when there is no code."""
    if code:
        choices[by] = code
    else:
        choices.pop(by, None)


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
    word: str  # the key kept in the workbook (English), the same in every language
    family: str
    pleasantness: int  # -3 very unpleasant .. 3 very pleasant
    energy: int  # -3 very low .. 3 very high
    hint: str
    label: str = ""  # the word a person reads, in their language

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", self.word)


@dataclass(frozen=True)
class Trait:
    name: str  # the key kept in the workbook (English)
    domain: str
    hint: str
    label: str = ""  # the name a person reads, in their language

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", self.name)


def _rows(name: str, lang: str = "en") -> list[dict]:
    """The rows of `data/<name>`; in another language, each row's words are replaced by the
    ones in `data/<lang>/<name>` (matched on the first column, the key the workbook keeps)."""
    with open(data_dir() / name, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if lang == LANGUAGES[0]:
        return rows
    path = data_dir() / lang / name
    if not path.exists():
        return rows
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        key = reader.fieldnames[0]
        words = {r[key]: r for r in reader}
    return [{**r, **words.get(r[key], {})} | {key: r[key]} for r in rows]


@functools.cache
def _emotions(lang: str) -> tuple[Emotion, ...]:
    return tuple(
        Emotion(
            r["word"], r["family"], int(r["pleasantness"]), int(r["energy"]), r["hint"], r.get("label", "")
        )
        for r in _rows("emotions.csv", lang)
    )


def emotions() -> tuple[Emotion, ...]:
    """The emotion vocabulary, in file order, in the language in use."""
    return _emotions(language())


def emotion_index() -> dict[str, Emotion]:
    """Emotion words (the kept keys) to their Emotion."""
    return _emotion_index(language())


@functools.cache
def _emotion_index(lang: str) -> dict[str, Emotion]:
    return {e.word: e for e in _emotions(lang)}


def emotion_label(word: str) -> str:
    """The word to show for a kept emotion word (a person's own word is shown as written)."""
    known = emotion_index().get(word)
    return known.label if known else word


def emotion_from_label(label: str) -> str:
    """The kept word for a word as shown (or typed) in the language in use."""
    for e in emotions():
        if label in (e.label, e.word):
            return e.word
    return label


@functools.cache
def _traits(lang: str) -> tuple[Trait, ...]:
    return tuple(
        Trait(r["name"], r["domain"], r["hint"], r.get("label", "")) for r in _rows("traits.csv", lang)
    )


def traits() -> tuple[Trait, ...]:
    """The suggested traits, in file order, in the language in use."""
    return _traits(language())


def trait_label(name: str) -> str:
    """The name to show for a kept trait name (a person's own trait is shown as written)."""
    for tr in traits():
        if tr.name == name:
            return tr.label
    return name


@functools.cache
def _rejection_kinds(lang: str) -> dict[str, str]:
    return {r["key"]: r["label"] for r in _rows("rejection_kinds.csv", lang)}


def rejection_kinds() -> dict[str, str]:
    """Rejection kind key -> the label a person sees."""
    return _rejection_kinds(language())


def area_name(domain: str) -> str:
    """A trait area's name on its own ("Skills and experience"); an unknown area as written."""
    return text("reason")["areas"].get(domain, domain)


def area_word(domain: str) -> str:
    """A trait area's name inside a line ("skills and experience")."""
    return text("reason")["area_words"].get(domain, domain)


def text(page: str, lang: str | None = None) -> dict:
    """The words of one page (`data/text/<page>.toml`, or `data/text/<lang>/<page>.toml`) as
    a nested dict, in the language in use (or in `lang`, one of LANGUAGES)."""
    return _text(page, lang or language())


@functools.cache
def _text(page: str, lang: str) -> dict:
    english = _toml(data_dir() / "text" / f"{page}.toml")
    if lang == LANGUAGES[0]:
        return english
    path = data_dir() / "text" / lang / f"{page}.toml"
    # a missing word falls back to English rather than failing a page (tests/test_languages.py
    # fails the build when a word is missing)
    return _over(english, _toml(path)) if path.exists() else english


def _toml(path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _over(base: dict, top: dict) -> dict:
    """`base` with every value `top` also has replaced by top's (tables merged key by key)."""
    out = dict(base)
    for key, value in top.items():
        out[key] = (
            _over(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
        )
    return out


def resources(*, country_code_saved: str | None = None) -> dict:
    """Crisis and support resources in the language in use. The crisis line is the person's
    country's (`crisis_lines.csv`); $REJECTION_WORKBOOK_CRISIS_LINE puts another in its place.

    `crisis["numbers"]` lists the phone numbers its `line` says (each from data: the country's
    line, the `numbers` of the usual words, or those found in the setting), for `tel_html`.
    With `country_code_saved` (a workbook's saved country, e.g. for its report), that
    country is the person's choice here, whatever the page's own."""
    chosen = country_code(country_code_saved) if country_code_saved else None
    return resources_for(language(), chosen=chosen or _country.get("person"), guessed=_country.get("browser"))


def resources_for(lang: str, *, chosen: str | None = None, guessed: str | None = None) -> dict:
    """`resources()` for a language and a country given here (`chosen` by the person, or
    `guessed` from a browser), for a page made outside a workbook's kernel (the server's)."""
    found = _resources(lang)
    override = os.environ.get(CRISIS_ENV, "").strip()
    if override:
        override = override[:300]
        return _over(found, {"crisis": {"line": override, "numbers": _numbers_in(override)}})
    line = crisis_lines().get(chosen or guessed or "")
    # A country guessed from the browser leaves the usual words alone when they already
    # name its line (US English: 988); one the person picked is always said plainly.
    if line and not chosen and line.number in found["crisis"]["line"]:
        line = None
    if line:
        crisis = found["crisis"]
        hours = crisis["hours"].format(hours=line.hours) if line.hours else ""
        said = crisis["country_line"].format(
            country=country_name(line.country, lang), number=line.number, name=line.name, hours=hours
        )
        return _over(found, {"crisis": {"line": said, "numbers": [line.number]}})
    return _over(found, {"crisis": {"numbers": _listed(found["crisis"].get("numbers", ""))}})


def _listed(numbers: str) -> list[str]:
    """ "112, 911" (the usual words' numbers, as data/resources.toml writes them) -> a list."""
    return [n.strip() for n in numbers.split(",") if n.strip()]


# A phone number in a line someone typed as a setting: digits, maybe spaces and a leading +,
# at least three digits ("116 123", "+44 116 123"; not "24/7").
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[ \d]{0,16}\d)?(?!\w)")


def _numbers_in(text: str) -> list[str]:
    return [m for m in _PHONE.findall(text) if sum(c.isdigit() for c in m) >= 3]


def tel_href(number: str) -> str:
    """ "116 123" -> "tel:116123" (digits, and a leading +)."""
    digits = re.sub(r"[^\d+]", "", number)
    return "tel:" + digits[:1] + digits[1:].replace("+", "")


def tel_html(text: str, numbers: list[str] | tuple[str, ...] = ()) -> str:
    """`text` as HTML (escaped), each of `numbers` in it a link that calls it on a phone:
    "Samaritans: 116 123" -> 'Samaritans: <a href="tel:116123">116 123</a>'. A number said
    twice (in a line's name too: "Línea 024 …: 024") is a link where it is said last."""
    wanted = sorted({n.strip() for n in numbers if n and n.strip()}, key=len, reverse=True)
    if not wanted:
        return html.escape(text)
    pattern = re.compile(r"(?<!\d)(" + "|".join(map(re.escape, wanted)) + r")(?!\d)")
    last = {m.group(1): m for m in pattern.finditer(text)}  # each number's last place
    out, at = [], 0
    for m in sorted(last.values(), key=lambda m: m.start()):
        out.append(html.escape(text[at : m.start()]))
        number = html.escape(m.group(1))
        out.append(f'<a class="wb-tel" href="{html.escape(tel_href(m.group(1)))}">{number}</a>')
        at = m.end()
    out.append(html.escape(text[at:]))
    return "".join(out)


def crisis_line_html(crisis: dict) -> str:
    """A crisis table's `line` (from `resources()`) as HTML, its numbers tel: links."""
    return tel_html(crisis["line"], crisis.get("numbers", ()))


@dataclass(frozen=True)
class CrisisLine:
    country: str  # ISO 3166 code, "GB"
    number: str
    name: str
    hours: str
    source: str  # the public page the line was checked against
    checked: str  # when (ISO date)


@functools.cache
def crisis_lines() -> dict[str, CrisisLine]:
    """Country code -> its national crisis line, each checked against a public source."""
    return {
        r["country"]: CrisisLine(r["country"], r["number"], r["name"], r["hours"], r["source"], r["checked"])
        for r in _rows("crisis_lines.csv")
    }


def country_name(code: str, lang: str | None = None) -> str:
    """A country's name in the language in use, or `lang` (from Babel's copy of CLDR)."""
    from babel import Locale

    return Locale.parse(lang or language()).territories.get(code, code)


def country_code(value: object) -> str | None:
    """ "GB", "gb", or the region of "en-GB" / "es_MX" -> a code with a crisis line; else None."""
    if not isinstance(value, str):
        return None
    parts = value.strip().replace("_", "-").split(".")[0].split("-")
    # a bare "es" is a language, not Spain: a code alone must be written as a code ("ES")
    code = parts[-1].upper() if len(parts) > 1 or parts[0].isupper() else ""
    return code if code in crisis_lines() else None


def set_country(value: object, *, by: str = "person") -> str | None:
    """Use `value`'s country (by "person", or "browser" from its language tag); None forgets."""
    _choose(_country, by, country_code(value))
    return country()


def use_browser(tag: object) -> set[str]:
    """The one rule for what a browser says (its first language, "en-GB", "es-MX"): it is
    the language and country unless the person (or the server, for the language) chose
    otherwise. Every page calls this with `navigator.language`; returns what changed now
    ({"language", "country"}, or less), so a page knows to build itself again."""
    tag = tag if isinstance(tag, str) and len(tag) < 40 else None
    language_was, country_was = language(), country()
    set_language(tag, by="browser")
    set_country(tag, by="browser")
    changed = set()
    if language() != language_was:
        changed.add("language")
    if country() != country_was:
        changed.add("country")
    return changed


def country() -> str | None:
    """The person's country (the one they picked, else their browser's region), or None."""
    return _country.get("person") or _country.get("browser")


_country: dict[str, str] = {}


@functools.cache
def _resources(lang: str) -> dict:
    english = _toml(data_dir() / "resources.toml")
    path = data_dir() / lang / "resources.toml"
    return _over(english, _toml(path)) if lang != LANGUAGES[0] and path.exists() else english


resources.cache_clear = _resources.cache_clear  # the setting is read on every call; kept for callers
