"""The patterns page, driven in Python: sentences first, charts once shown, links once there are two."""

from __future__ import annotations

from workbook import content
from workbook.registry import PATTERNS_NOTEBOOK
from workbook.stages import patterns as page


def _two(home):
    for name, rating, sadness in (("The bakery job", -2, (8, 3)), ("Sam", -1, (6, 7))):
        with home.create(name) as wb:
            wb.put("trait", {"name": "patience", "domain": "personality", "rating": rating, "touched": True})
            wb.put("trait", {"name": "kindness", "domain": "personality", "rating": 3, "touched": False})
            for n, strength in enumerate(sadness):
                wb.put("checkin", {"ratings": {"sadness": strength}}, at=f"2026-0{n + 1}-01T10:00:00+00:00")


def _text(built) -> str:
    return " ".join(
        getattr(w, "value", "") for w in built.page.body if isinstance(getattr(w, "value", None), str)
    )


def test_one_workbook_says_patterns_come_with_two_and_no_link_is_offered(home):
    home.create("Only one").close()
    built = page.Patterns(home=home.path)
    assert content.text("patterns")["fewer_than_two"] in _text(built)
    assert built.charts == {}
    assert page.link_html(home) == ""


def test_two_workbooks_say_what_repeats_and_draw_both_charts_once_shown(home):
    _two(home)
    built = page.Patterns(home=home.path)
    said = _text(built)
    assert "You marked “patience” as part of the reason in 2 of 2 rejections." in said
    assert "These stayed clear strengths every time you rated them: kindness." in said
    assert built.charts["traits"].figure is None  # nothing drawn before the page is on screen
    built.page.run_after_shown()
    traits = built.charts["traits"].figure
    assert {trace.name for trace in traits.data} == {"The bakery job", "Sam"}
    assert "patience: rated -2 in The bakery job and -1 in Sam." in built.charts["traits"].summary.value
    feelings = built.charts["feelings"].figure
    first, last = (t for t in feelings.data if t.mode == "markers")
    assert list(first.x) == [8.0, 6.0] and list(last.x) == [3.0, 7.0]
    assert f'href="{PATTERNS_NOTEBOOK}"' in page.link_html(home)


def test_in_spanish(home):
    _two(home)
    content.set_language("es")
    built = page.Patterns(home=home.path)
    assert "Marcaste «paciencia» como parte del motivo en 2 de 2 rechazos." in _text(built)
    assert "Lo que se repite en tus rechazos" in built.page.header.value


def test_names_are_text_in_the_charts_not_markup(home):
    for name in ("<b>Bold<b> boss", "Sam"):
        with home.create(name) as wb:
            wb.put("trait", {"name": "patience", "domain": "personality", "rating": 1, "touched": False})
    built = page.Patterns(home=home.path)
    built.page.run_after_shown()
    names = {trace.name for trace in built.charts["traits"].figure.data}
    assert names == {"&lt;b&gt;Bold&lt;b&gt; boss", "Sam"}
