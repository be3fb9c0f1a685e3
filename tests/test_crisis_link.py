"""The crisis line one tap from the top of every page ("Need help now?"), its place at the
foot of every page (with a stable id), its numbers as links that call them on a phone, and
one rule for the country (and language) a page's line is for."""

from __future__ import annotations

import pytest

from workbook import content
from workbook.stages import feel, journey, kit, practice, reason, start, support


def _html(widget) -> str:
    """Every HTML string a page shows (its widgets, depth first)."""
    found = [str(getattr(widget, "value", ""))]
    for child in getattr(widget, "children", ()):
        found.append(_html(child))
    return "\n".join(found)


@pytest.mark.parametrize("stage", [start, feel, reason, support, journey, practice])
def test_every_page_opens_with_the_help_link_and_ends_with_the_crisis_line(wb, places, stage):
    widget = stage.show()
    bar = next(c for c in widget.children if "wb-help-bar" in c._dom_classes)
    header = next(
        c for c in widget.children if str(getattr(c, "value", "")).startswith('<nav class="wb-nav"')
    )
    children = list(widget.children)
    assert children.index(bar) < children.index(header)  # above the stages menu, not inside it
    assert 'class="wb-help"' in bar.value and "Need help now?" in bar.value
    assert '<a class="wb-tel" href="tel:988">988</a>' in bar.value  # the line itself, right there
    assert 'class="wb-help"' not in header.value  # only once on the page
    assert 'id="wb-crisis"' in widget.children[-1].value
    assert 'href="tel:988"' in widget.children[-1].value


def test_the_help_link_opens_in_place_and_follows_the_countrys_line(home, places, monkeypatch):
    html = kit.crisis_link_html()
    assert "<details>" in html and "<summary>" in html  # opens where the person is, no script
    assert 'href="#' not in html and "javascript:" not in html  # nothing that moves the page
    monkeypatch.setenv(content.CRISIS_ENV, 'Call 116 123 <b>"Samaritans"</b> (24/7)')
    html = kit.crisis_link_html()
    assert "116 123" in html and "988" not in html
    assert "<b>" not in html and "&lt;b&gt;" in html  # a setting is text, never markup
    assert '<a class="wb-tel" href="tel:116123">116 123</a>' in html  # its number, found in it
    assert "tel:247" not in html and 'href="tel:24' not in html  # hours are not a number


@pytest.mark.parametrize(
    ("tag", "number", "href"),
    [
        ("en-GB", "116 123", "tel:116123"),
        ("es-ES", "024", "tel:024"),
        ("es-MX", "800 911 2000", "tel:8009112000"),
        ("en-US", "988", "tel:988"),
    ],
)
def test_crisis_numbers_are_tel_links_with_the_words_kept(places, tag, number, href):
    content.use_browser(tag)
    crisis = content.resources()["crisis"]
    assert number in crisis["line"] and number in crisis["numbers"]  # the number comes from data
    line = content.crisis_line_html(crisis)
    assert f'<a class="wb-tel" href="{href}">{number}</a>' in line
    words = line.replace(f'<a class="wb-tel" href="{href}">', "").replace("</a>", "")
    assert words == content.tel_html(crisis["line"])  # the same words, escaped, nothing lost


def test_the_usual_words_name_their_numbers_in_data(places):
    assert content.resources()["crisis"]["numbers"] == ["988"]
    content.set_language("es")
    line = content.crisis_line_html(content.resources()["crisis"])
    assert 'href="tel:112"' in line and 'href="tel:911"' in line


def test_tel_html_escapes_everything_and_links_only_whole_numbers():
    made = content.tel_html('<i>"116 123"</i> & 1116 1234 · 988', ["116 123", "988"])
    assert made == (
        '&lt;i&gt;&quot;<a class="wb-tel" href="tel:116123">116 123</a>&quot;&lt;/i&gt; &amp; '
        '1116 1234 · <a class="wb-tel" href="tel:988">988</a>'
    )
    # a number said twice is one link, where it is said last (the first is in the name)
    named = content.tel_html("Línea 024 de atención: 024 (24/7)", ["024"])
    assert named == 'Línea 024 de atención: <a class="wb-tel" href="tel:024">024</a> (24/7)'
    assert content.tel_href("+44 116 123") == "tel:+44116123"
    assert content.tel_html("a < b", []) == "a &lt; b"


@pytest.mark.parametrize(
    ("tag", "language", "country"),
    [
        ("en-GB", "en", "GB"),
        ("es-ES", "es", "ES"),
        ("es-MX", "es", "MX"),
        ("fr-FR", "en", None),
        (None, "en", None),
    ],
)
def test_one_rule_for_what_the_browser_says(places, tag, language, country):
    content.use_browser(tag)
    assert (content.language(), content.country()) == (language, country)


def test_the_persons_choice_wins_over_the_browser(places):
    content.set_language("en")
    content.set_country("GB")
    assert content.use_browser("es-MX") == set()  # nothing a page shows changes
    assert (content.language(), content.country()) == ("en", "GB")
    assert "116 123" in content.resources()["crisis"]["line"]


def test_a_page_of_its_own_follows_the_browser_like_the_app(wb, places, monkeypatch):
    """A single stage page hears the browser's language from its Brand widget (as the app
    hears it from its router): another country draws the line again; another language
    builds the page again, in the same box."""
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5")  # a page of its own, under Voilà
    box = reason.show()
    page = box.wb_page
    brand = next(c for c in box.children if isinstance(c, kit.Brand))
    assert brand.asks
    brand._handle_custom_msg({"event": "language", "language": "en-GB"}, [])
    assert "116 123" in _html(box) and "988" not in _html(box)
    brand._handle_custom_msg({"event": "language", "language": "es-MX"}, [])
    shown = _html(box)
    assert "Mira el motivo" in shown and "800 911 2000" in shown  # Spanish, Mexico's line
    assert "Look at the reason" not in shown
    assert box.wb_page is not page  # the page built again now answers for the box
    # what a tampered page sends is ignored, calmly
    brand._handle_custom_msg({"event": "language", "language": ["x"] * 3}, [])
    brand._handle_custom_msg("not a dict", [])


def test_the_support_page_says_the_new_countrys_line_beside_the_question(wb, places, monkeypatch):
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5")
    wb.put("weighing", {"self_harm": "yes"})
    page = support.SupportPage()
    box = page.widget
    assert "988" in page.inline_urgent.value
    next(c for c in box.children if isinstance(c, kit.Brand))._handle_custom_msg(
        {"event": "language", "language": "en-GB"}, []
    )
    assert 'href="tel:116123"' in page.inline_urgent.value and 'href="tel:116123"' in page.urgent.value
