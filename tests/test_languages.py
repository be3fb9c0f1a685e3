"""Every word in both languages: the same keys, the same {placeholders}, the same stored values."""

import csv
import string
import tomllib

import pytest

from workbook import content
from workbook.paths import data_dir

OTHER = [code for code in content.LANGUAGES if code != content.LANGUAGES[0]]


def _toml(path):
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def _differences(en, other, where="") -> list[str]:
    """What differs between two parsed files: keys, placeholders, list shapes and stored values."""
    if isinstance(en, dict):
        if not isinstance(other, dict):
            return [f"{where}: a table in English"]
        found = [f"{where}.{k}: missing" for k in en.keys() - other.keys()]
        found += [f"{where}.{k}: not in English" for k in other.keys() - en.keys()]
        for key in en.keys() & other.keys():
            found += _differences(en[key], other[key], f"{where}.{key}")
        return found
    if isinstance(en, list):
        if not isinstance(other, list) or len(en) != len(other):
            return [f"{where}: {len(en)} items in English"]
        found = []
        for i, (a, b) in enumerate(zip(en, other, strict=True)):
            if isinstance(a, list) and len(a) == 2 and all(isinstance(x, str) for x in a):
                if a[1] != b[1]:  # [label, stored value]: the value is the same in every language
                    found.append(f"{where}[{i}]: stored value {b[1]!r}, English {a[1]!r}")
                found += _differences(a[0], b[0], f"{where}[{i}]")
            else:
                found += _differences(a, b, f"{where}[{i}]")
        return found
    if isinstance(en, str):
        if not isinstance(other, str):
            return [f"{where}: text in English"]
        if _placeholders(en) != _placeholders(other):
            return [
                f"{where}: placeholders {sorted(_placeholders(other))}, English {sorted(_placeholders(en))}"
            ]
    return []


def _pairs():
    text = data_dir() / "text"
    for lang in OTHER:
        for path in sorted(text.glob("*.toml")):
            yield lang, path, text / lang / path.name
        yield lang, data_dir() / "resources.toml", data_dir() / lang / "resources.toml"


@pytest.mark.parametrize(("lang", "english", "other"), list(_pairs()), ids=lambda v: getattr(v, "name", v))
def test_every_file_has_every_word_in_both_languages(lang, english, other):
    assert other.exists(), f"{other} is missing"
    assert _differences(_toml(english), _toml(other), other.name) == []


def test_no_language_has_a_file_english_lacks():
    text = data_dir() / "text"
    english = {p.name for p in text.glob("*.toml")}
    for lang in OTHER:
        assert {p.name for p in (text / lang).glob("*.toml")} <= english


@pytest.mark.parametrize("name", ["emotions.csv", "traits.csv", "rejection_kinds.csv"])
def test_every_word_list_is_complete_in_both_languages(name):
    with open(data_dir() / name, encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        key = reader.fieldnames[0]
        english = [r[key] for r in reader]
    for lang in OTHER:
        with open(data_dir() / lang / name, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert sorted(r[key] for r in rows) == sorted(english)
        assert all(all(v.strip() for v in r.values()) for r in rows), "an empty cell"


def test_the_differences_are_found():
    """The comparison itself notices a missing key, a changed placeholder and a changed value."""
    en = {"a": "Hi {name}", "b": {"c": "x"}, "d": [["Yes", "yes"]]}
    assert _differences(en, {"a": "Hola {nombre}", "b": {}, "d": [["Sí", "si"]]})  # all three
    assert _differences(en, {"a": "Hola {name}", "b": {"c": "y"}, "d": [["Sí", "yes"]]}) == []


def test_spanish_content_is_read_in_spanish(monkeypatch):
    monkeypatch.delenv(content.LANGUAGE_ENV, raising=False)
    content.set_language("es")
    assert content.text("common")["titles"]["feel"] == "Siéntelo"
    assert content.emotion_label("anger") == "rabia"
    assert content.emotion_from_label("rabia") == "anger"
    assert content.trait_label("patience") == "paciencia"
    assert content.rejection_kinds()["friend"].startswith("Una amistad")
    assert content.resources()["crisis"]["link"] == "¿Necesitas ayuda ahora?"
    content.set_language(None)  # the choice forgotten: English again
    assert content.text("common")["titles"]["feel"] == "Feel it"
    assert content.emotion_label("anger") == "anger"


def test_the_language_comes_from_the_setting_then_the_browser(monkeypatch):
    monkeypatch.delenv(content.LANGUAGE_ENV, raising=False)
    assert content.set_language("es-MX", by="browser") == "es"
    monkeypatch.setenv(content.LANGUAGE_ENV, "en")
    assert content.language() == "en"  # --language / the setting wins over the browser
    assert content.set_language("es") == "es"  # the person's own choice wins over both
    assert content.set_language("klingon") == "en"  # unknown: the choice is forgotten


def test_crisis_lines_are_checked_and_follow_the_country(monkeypatch):
    monkeypatch.delenv(content.CRISIS_ENV, raising=False)
    lines = content.crisis_lines()
    assert {"US", "GB", "ES", "MX"} <= set(lines)
    assert all(line.source.startswith("https://") and line.checked for line in lines.values())
    content.set_country("GB")
    assert "116 123" in content.resources()["crisis"]["line"]
    content.set_language("es")
    content.set_country("es_MX.UTF-8", by="browser")
    content.set_country(None)
    assert "800 911 2000" in content.resources()["crisis"]["line"]
    assert content.country_name("MX") == "México"
    monkeypatch.setenv(content.CRISIS_ENV, "Llama al 555")
    assert content.resources()["crisis"]["line"] == "Llama al 555"  # --crisis-line still wins


# -- issue 21, item 13: Spanish that reads right, and counted words on the command line ----------
def _spanish(name):
    return _toml(data_dir() / "text" / "es" / f"{name}.toml")


def test_spanish_sentences_read_as_a_person_would_say_them():
    assert "Que te digan que no, duele" in _spanish("start")["welcome"]
    label = _spanish("heal")["accept"]["label"]
    assert "y que pasó" not in label and "lo que pasó" in label
    content.set_language("es")
    assert content.trait_label("confidence") == "seguridad en ti"  # not "confianza en ti"


def test_the_neither_count_uses_the_legends_words():
    chart = _spanish("reason")["chart"]
    legend = chart["neither"].lower()
    assert all(legend in form for form in chart["neither_word"].values()), chart["neither_word"]


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "Added 1 note or question from your therapist.", "Added 2 notes and questions"),
        ("es", "Se ha añadido 1 nota o pregunta de tu terapeuta.", "Se han añadido 2 notas y preguntas"),
    ],
)
def test_the_command_line_counts_notes_in_the_persons_language(tmp_path, capsys, monkeypatch, lang, one, two):
    from workbook import cli, exchange
    from workbook.store import Home

    monkeypatch.delenv("REJECTION_WORKBOOK_PASSPHRASE", raising=False)
    monkeypatch.setenv(content.LANGUAGE_ENV, "")
    client_home, practice = Home(tmp_path / "client"), exchange.practice_home(Home(tmp_path / "therapist"))
    slug, start = exchange.prepare(practice, "Robin", welcome_note="Hello", stages_on=[1, 2])
    client = exchange.start_from(client_home, start)
    name = client.name
    client.close()
    said = []
    for notes in (["Good start."], ["Take your time.", "And rest."], []):
        with practice.open(slug) as copy:
            for note in notes:
                exchange.annotate(copy, 2, note)
            (tmp_path / "notes.rwshare").write_bytes(exchange.return_notes(copy))
        args = ["open-return", name, str(tmp_path / "notes.rwshare"), "--home", str(client_home.path)]
        assert cli.main([*args, "--language", lang]) == 0
        said.append(capsys.readouterr().out)
    assert one in said[0]
    assert two in said[1]
    assert "0" not in said[2] and said[2].strip()  # nothing new is said in words, not as "0 notes"
