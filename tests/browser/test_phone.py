"""On a phone: the crisis line where the person is, at once and one tap away.

Every control on a phone's screen and big enough to tap, and no way out to the network on
any page, are checked with the rest of what every page must be, in test_screens.
"""

from __future__ import annotations

import pytest

from .helpers import CHARTS_DRAWN_JS, open_ready, screenshot
from .page_checks import TOUCH

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 568}
CRISIS = "988"
SELF_HARM = "Have I had thoughts of hurting myself?"


@pytest.fixture(scope="module")
def demo(start_app, tmp_path_factory):
    """The demo app, and the demo workbook's slug."""
    app = start_app(tmp_path_factory.mktemp("phone-demo"), "--demo", standby=0)  # single pages only
    return app, app.home.find("Demo — Sam").slug


@pytest.fixture
def open_tab(new_tab):
    """open_tab(size) -> a fresh phone tab of that size; screenshots kept on failure."""
    return lambda size: new_tab(viewport=size, is_mobile=True, has_touch=True)


def _open(tab, url: str):
    """Open a page with every chart drawn (scrolled to each), then back at its top."""
    open_ready(tab, url)
    tab.wait_for_function(CHARTS_DRAWN_JS, timeout=30_000)
    tab.evaluate("window.scrollTo(0, 0)")
    return tab


@pytest.mark.parametrize("size", [PHONE, SMALL_PHONE], ids=["390px", "320px"])
def test_a_yes_to_self_harm_puts_the_crisis_line_on_a_phone_screen_at_once(demo, open_tab, size):
    app, _slug = demo
    tab = _open(open_tab(size), app.url("05_support.ipynb", app.new_workbook()))
    question = tab.get_by_label(SELF_HARM)
    # The hardest place to answer from: the question at the very bottom of the screen.
    question.evaluate("el => el.scrollIntoView({block: 'end'})")
    asked = question.bounding_box()
    assert asked["x"] >= 0 and asked["x"] + asked["width"] <= size["width"], "the question is off screen"
    question.select_option(label="Yes")

    note = tab.locator(".wb-urgent-inline")
    note.wait_for(timeout=10_000)  # nothing else pressed, nothing scrolled
    tab.wait_for_timeout(300)  # let the page settle
    assert CRISIS in note.inner_text()
    box, screen = note.bounding_box(), size
    assert box["x"] >= 0 and box["x"] + box["width"] <= screen["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= screen["height"], "the crisis line is off screen"
    # ...readable, not hidden under anything, and beside the question, which is still on screen
    middle = tab.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y)?.closest('.wb-urgent-inline')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert middle, "something covers the crisis line"
    asked = question.bounding_box()
    assert asked["y"] >= 0 and asked["y"] + asked["height"] <= screen["height"]
    assert 0 <= box["y"] - (asked["y"] + asked["height"]) < 120
    screenshot(tab, f"phone-support-yes-{size['width']}")


@pytest.mark.parametrize("notebook", ["01_feel.ipynb", "02_reason.ipynb", "05_support.ipynb"])
def test_the_crisis_line_is_one_tap_from_the_top_of_the_screen_anywhere_on_the_page(demo, open_tab, notebook):
    app, slug = demo
    tab = _open(open_tab(PHONE), app.url(notebook, slug))
    tab.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")  # halfway down
    tab.wait_for_timeout(200)
    help_link = tab.get_by_text("Need help now?")
    box = help_link.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 120  # at the top of the screen
    assert box["height"] >= TOUCH - 0.5
    help_link.click()
    line = tab.locator(".wb-help-panel")
    line.wait_for(timeout=5_000)
    assert CRISIS in line.inner_text()
    shown = line.bounding_box()
    assert shown["y"] >= 0 and shown["y"] + shown["height"] <= PHONE["height"]
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= PHONE["width"]
    assert tab.locator("#wb-crisis").count() == 1  # and the full line at the foot of the page
