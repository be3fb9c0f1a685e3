"""The app's shell in the browser: light and dark, and the keyboard.

That every page works with the network cut off and passes axe, at every width, is checked
in test_screens, on one load of each page.
"""

from __future__ import annotations

import re

import pytest

from .helpers import (
    axe_problems,
    here,
    open_page,
    open_ready,
    screenshot,
    wait_ready,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def slug(app):
    """A workbook with a check-in in progress, so Stage 1 shows its intensity scale."""
    made = app.new_workbook("Shell check")
    with app.home.open(made) as wb:
        wb.set_meta("checkin_draft_1", {"ratings": {"sadness": 6}, "own_words": ""})
    return made


def _luminance(css_colour: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"[\d.]+", css_colour)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_theme(start_app, browser, tmp_path):
    dark = start_app(tmp_path / "home", "--dark")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        open_ready(tab, dark.url("00_start.ipynb"))
        assert tab.locator("body").get_attribute("data-jp-theme-light") == "false"
        sheet = tab.locator(".wb-page").evaluate("e => getComputedStyle(e).backgroundColor")
        text = tab.locator(".wb-page h1").evaluate("e => getComputedStyle(e).color")
        assert _luminance(sheet) < 0.2 < 0.7 < _luminance(text)
        assert axe_problems(tab) == []
        screenshot(tab, "shell-start-dark")
    finally:
        context.close()


FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const name = (e.labels && e.labels[0] && e.labels[0].textContent)
    || e.getAttribute('aria-label') || e.textContent || '';
  // inside: focus is on a part of a native control (a date field's calendar button),
  // which the browser rings itself
  return {tag: e.tagName, name: name.trim(), outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
          inside: !e.matches(':focus')};
}"""


@pytest.mark.parametrize("notebook", ["01_feel.ipynb", "app.ipynb#feel"])
def test_keyboard_reaches_stage_1_with_a_visible_focus_ring(app, page, slug, notebook):
    open_page(app, page, notebook, slug)
    page.locator("body").click(position={"x": 5, "y": 5})
    seen = []
    for _ in range(120):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS)
        if focused is None:
            continue
        seen.append(focused)
        if focused["name"].startswith("I'm done with this stage"):
            break
    names = [f["name"] for f in seen]
    for wanted in (
        "Feel it",  # the stage links
        "What happened, in my words",
        "Find a feeling",
        "Add this feeling",
        "How strong is 'sadness'",
        "Save this check-in",
        "I'm done with this stage for now",
    ):
        assert any(n.startswith(wanted) for n in names), (wanted, names)
    unringed = [f for f in seen if not f["inside"] and (f["outline"] == "none" or f["width"] < 2)]
    assert unringed == []


@pytest.mark.parametrize("notebook", ["01_feel.ipynb", "app.ipynb#feel"])
def test_the_intensity_scale_works_by_keyboard(app, page, slug, notebook):
    open_page(app, page, notebook, slug)
    scale = here(page).get_by_label("How strong is 'sadness'")
    scale.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("End")
    wait_ready(page)
    here(page).get_by_text("10 / 10").wait_for()
    for _ in range(50):
        with app.home.open(slug) as wb:
            if wb.meta("checkin_draft_1")["ratings"] == {"sadness": 10}:
                break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the keyboard change never reached the workbook")
