"""Problems carry a key and values and are put into words when shown, in the language in use
then (workbook/errors.py); every key raised anywhere in workbook/ has words in every language.

A refusal from the exchange service, shown to a Spanish client, reads Spanish: that is
tests/test_hub_client.py::test_a_refusal_carries_its_key_and_is_said_in_the_persons_language.
(tests/conftest.py forgets any chosen language after each test; `speaking` puts it back too.)
"""

from __future__ import annotations

import ast
import contextlib
import tomllib
from pathlib import Path

import pytest

from workbook import content, errors, exchange, model, share
from workbook.errors import InvalidEntry, Problem, ShareError, WorkbookError
from workbook.hub import crypto
from workbook.paths import data_dir

PACKAGE = Path(__file__).resolve().parent.parent / "workbook"


@contextlib.contextmanager
def speaking(lang: str):
    content.set_language(lang)
    try:
        yield
    finally:
        content.set_language(None)


def _raised(call) -> Problem:
    with pytest.raises(Problem) as err:
        call()
    return err.value


def _said_in_both(problem: Problem) -> tuple[str, str]:
    """(English, Spanish): the problem shown now, then again after the page turned Spanish."""
    english = str(problem)
    with speaking("es"):
        spanish = str(problem)
    assert str(problem) == english  # and back
    return english, spanish


# -- raised in English, shown in Spanish -------------------------------------------------------
def test_a_store_problem_raised_in_english_reads_spanish_when_shown_in_spanish(home):
    problem = _raised(lambda: home.open("no-such-workbook"))
    assert isinstance(problem, WorkbookError) and problem.key == "store.not_here"
    english, spanish = _said_in_both(problem)
    assert english == content.text("messages", "en")["store"]["not_here"]
    assert spanish == content.text("messages", "es")["store"]["not_here"] != english


def test_a_model_problem_says_its_field_and_numbers_the_languages_way():
    problem = _raised(lambda: model.validate("letter", {"text": "x" * 20_001}))
    assert isinstance(problem, InvalidEntry) and problem.key == "too_long"
    english, spanish = _said_in_both(problem)
    letter = model.kind("letter").field_map["text"]
    assert letter.words("en") in english and "20,001" in english and "20,000" in english
    assert letter.words("es") in spanish and "20.001" in spanish and "20.000" in spanish
    assert spanish.startswith("Lo que escribiste")
    assert problem.words("es") == spanish  # asked for by name, whatever is in use


def test_a_share_problem_says_the_file_types_in_the_language_shown(home):
    wb = home.create("Ann")
    data = exchange.share_file(wb, [1])
    problem = _raised(lambda: share.read(data, expect=("start", "return")))
    assert isinstance(problem, ShareError) and problem.key == "header.wrong_type"
    english, spanish = _said_in_both(problem)
    es = content.text("share", "es")["types"]
    assert all(es[t] in spanish for t in ("share", "start", "return")) and " o " in spanish
    assert content.text("share", "en")["types"]["share"] in english


def test_a_problem_inside_a_share_problem_is_said_in_the_same_language():
    problem = ShareError(
        "entry.unusable",
        where=errors.Words("share", "entry.where", number=3),
        problem=_raised(lambda: model.validate("letter", {"text": ""})),
    )
    english, spanish = _said_in_both(problem)
    assert english.startswith("Entry 3 in this file can't be used: Please fill in")
    assert spanish.startswith("La anotación 3 de este archivo no se puede usar: Por favor, rellena")


def test_a_crypto_problem_raised_in_english_reads_spanish_when_shown_in_spanish():
    problem = _raised(lambda: crypto.read_code("not a code"))
    assert isinstance(problem, crypto.CryptoError) and problem.reason == "bad_code"
    assert problem.key == "errors.bad_code"
    english, spanish = _said_in_both(problem)
    assert english == content.text("hub", "en")["errors"]["bad_code"]
    assert spanish == content.text("hub", "es")["errors"]["bad_code"] != english


def test_a_sentence_a_page_already_holds_is_shown_as_it_is():
    problem = InvalidEntry("Pick a feeling first.")
    assert problem.key is None and str(problem) == "Pick a feeling first." == problem.args[0]
    assert str(WorkbookError(None, said="[Errno 28] No space left")) == "[Errno 28] No space left"


# -- every key raised has words in every language ----------------------------------------------
TEXT_FILE = {  # a Problem class (or a helper) named in a call -> the text file its keys are in
    "InvalidEntry": "messages",
    "WorkbookError": "messages",
    "ShareError": "share",
    "NeedsPassphrase": "share",
    "WrongPassphrase": "share",
    "_problem": "share",  # workbook/share_check.py: _problem(part, which) is ShareError("part.which")
    "_say": "share",  # workbook/share_check.py: _say(part, which) is Words("share", "part.which")
    "CryptoError": "hub",
    "HubError": "hub",
    "CliError": "cli",
}


SHARE_HELPERS = ("share.py", "share_check.py")  # the modules whose `_problem`/`_say` are share's words


def _strings(node: ast.AST, dicts: dict[str, list[str]]) -> list[str]:
    """The strings an argument can be: a constant, either branch of `a if c else b`, or any
    value of a module-level dict it is looked up in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body, dicts) + _strings(node.orelse, dicts)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return dicts.get(node.value.id, [])
    return []


def keys_raised(source: str, where: str = "") -> set[tuple[str, str, str]]:
    """(text file, key, where) for every key a call in `source` names: a Problem class or
    errors.Words with a key-shaped first argument, share_check.py's two helpers, and a CryptoError's
    reason (given to it, or passed on as `reason=`)."""
    tree = ast.parse(source)
    dicts = {
        target.id: [v.value for v in node.value.values if isinstance(v, ast.Constant)]
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        at = f"{where}:{node.lineno}"
        for keyword in node.keywords:  # crypto.unb64(value, reason="bad_key") and the like
            if keyword.arg == "reason":
                found |= {("hub", f"errors.{r}", at) for r in _strings(keyword.value, dicts)}
            if keyword.arg == "key" and name == "HubError":
                found |= {("hub", k, at) for k in _strings(keyword.value, dicts) if errors.is_key(k)}
        if not node.args:
            continue
        first = _strings(node.args[0], dicts)
        if name == "Words" and len(node.args) > 1:
            found |= {(f, k, at) for f in first for k in _strings(node.args[1], dicts)}
        elif name in ("_problem", "_say") and len(node.args) > 1 and where.endswith(SHARE_HELPERS):
            found |= {("share", f"{p}.{k}", at) for p in first for k in _strings(node.args[1], dicts)}
        elif name == "CryptoError":
            found |= {("hub", f"errors.{k}", at) for k in first}
        elif name in TEXT_FILE and name not in ("_problem", "_say"):
            found |= {(TEXT_FILE[name], k, at) for k in first if errors.is_key(k)}
    return found


def _words(text_file: str, lang: str) -> dict:
    folder = data_dir() / "text" / ("" if lang == content.LANGUAGES[0] else lang)
    with open(folder / f"{text_file}.toml", "rb") as fh:
        return tomllib.load(fh)


def _has(words: dict, key: str) -> bool:
    for part in key.split("."):
        if not isinstance(words, dict) or part not in words:
            return False
        words = words[part]
    return isinstance(words, str)


def missing(found: set[tuple[str, str, str]]) -> list[str]:
    return sorted(
        f"{where}: {key} has no words in {lang}/{text_file}.toml"
        for text_file, key, where in found
        for lang in content.LANGUAGES
        if not _has(_words(text_file, lang), key)
    )


def test_the_scan_finds_a_key_without_words():
    source = 'def f():\n    raise WorkbookError("store.no_such_words", n=1)\n'
    assert missing(keys_raised(source, "x.py")) == [
        "x.py:2: store.no_such_words has no words in en/messages.toml",
        "x.py:2: store.no_such_words has no words in es/messages.toml",
    ]
    assert keys_raised('raise InvalidEntry("A sentence a page holds.")') == set()


def test_every_key_raised_in_the_package_has_words_in_every_language():
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        found |= keys_raised(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
    files = {text_file for text_file, _key, _where in found}
    assert len(found) > 150 and {"messages", "share", "hub"} <= files  # really looked
    assert missing(found) == []
