"""The crisis line one tap from the top of every page ("Need help now?"), and its place at
the foot of every page, which has a stable id."""

from __future__ import annotations

import pytest

from workbook import content
from workbook.stages import feel, journey, kit, practice, reason, start, support


@pytest.mark.parametrize("stage", [start, feel, reason, support, journey, practice])
def test_every_page_opens_with_the_help_link_and_ends_with_the_crisis_line(wb, stage):
    widget = stage.show()
    header = next(
        c for c in widget.children if str(getattr(c, "value", "")).startswith('<nav class="wb-nav"')
    )
    assert 'class="wb-help"' in header.value
    assert "Need help now?" in header.value
    assert "988" in header.value.split('class="wb-help"')[1]  # the line itself, right there
    assert 'id="wb-crisis"' in widget.children[-1].value


def test_the_help_link_opens_in_place_and_follows_the_countrys_line(home, monkeypatch):
    html = kit.crisis_link_html()
    assert "<details>" in html and "<summary>" in html  # opens where the person is, no script
    assert "href=" not in html  # nothing that changes the page's address
    monkeypatch.setenv(content.CRISIS_ENV, 'Call 116 123 <b>"Samaritans"</b>')
    content.resources.cache_clear()
    try:
        html = kit.crisis_link_html()
        assert "116 123" in html and "988" not in html
        assert "<b>" not in html and "&lt;b&gt;" in html  # a setting is text, never markup
    finally:
        monkeypatch.delenv(content.CRISIS_ENV)
        content.resources.cache_clear()
