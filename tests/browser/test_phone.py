"""On a phone: every control on the screen and usable, the crisis line where the person is,
and, on every page, no way out to the network — not even from a chart's mode bar.

The demo workbook (with its charts) is served once for this file; each test opens its own
tab at a phone's size (390 px, and 320 px for the smallest phones) or a laptop's (1280 px).
"""

from __future__ import annotations

import pytest

from workbook.registry import PATTERNS_NOTEBOOK, page_notebooks

from .helpers import CHARTS_DRAWN_JS, open_ready, screenshot

pytestmark = pytest.mark.browser

NOTEBOOKS = page_notebooks()
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 568}
LAPTOP = {"width": 1280, "height": 900}
TOUCH = 44  # px: the smallest comfortable touch target
CRISIS = "988"
SELF_HARM = "Have I had thoughts of hurting myself?"

# Every visible, enabled control, marked with data-phone-check="n" so the test can reach it;
# its box, and the box a finger aims at (a checkbox's or radio button's whole label).
CONTROLS_JS = """
() => {
  const found = [];
  const all = document.querySelectorAll("input, select, textarea, button, [role=slider]");
  for (const el of all) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
    if (el.disabled || el.closest(".wb-visually-hidden")) continue;
    el.dataset.phoneCheck = String(found.length);
    const label = (el.type === "checkbox" || el.type === "radio") && el.closest("label");
    const target = (label || el).getBoundingClientRect();
    const name = (el.labels && el.labels[0] && el.labels[0].textContent) || el.textContent
      || el.getAttribute("aria-label") || el.placeholder || el.type;
    found.push({
      n: found.length, name: name.trim().slice(0, 50), tag: el.tagName.toLowerCase(),
      left: box.left, right: box.right, touch: target.height,
    });
  }
  return found;
}
"""

# Anything on the page drawn past the right edge of the screen (an SVG counts as one box).
TOO_WIDE_JS = """
(width) => [...document.querySelectorAll(".wb-page *")]
  .filter((el) => !el.closest(".wb-visually-hidden") && !(el.ownerSVGElement))
  .filter((el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.right > width + 1; })
  .map((el) => el.tagName.toLowerCase() + "." + String(el.className).split(" ").slice(0, 2).join("."))
  .slice(0, 10)
"""

# Every address the page points to: links (HTML and SVG), forms, frames and embedded files.
ADDRESSES_JS = """
() => {
  const found = [];
  const add = (value) => { if (value) found.push(new URL(value, location.href)); };
  for (const a of document.querySelectorAll("a")) add(a.getAttribute("href") || a.getAttribute("xlink:href"));
  for (const f of document.querySelectorAll("form")) add(f.getAttribute("action"));
  for (const el of document.querySelectorAll("iframe, img, script, source, embed, video, audio")) {
    add(el.getAttribute("src"));
  }
  for (const el of document.querySelectorAll("link[href], object[data]")) {
    add(el.getAttribute("href") || el.getAttribute("data"));
  }
  // a crisis number (tel:) calls it on the phone: no way out to the network
  return found.filter((u) => !["data:", "blob:", "tel:"].includes(u.protocol) && u.origin !== location.origin)
    .map((u) => u.href);
}
"""


@pytest.fixture(scope="module")
def demo(start_app, tmp_path_factory):
    """The demo app, and the demo workbook's slug; a check-in in progress on Stages 1 and 4
    so their 0-10 scales are on the page too."""
    app = start_app(tmp_path_factory.mktemp("phone-demo"), "--demo")
    slug = app.home.find("Demo — Sam").slug
    with app.home.open(slug) as wb:
        for stage in (1, 4):
            wb.set_meta(f"checkin_draft_{stage}", {"ratings": {"sadness": 6}, "own_words": ""})
    return app, slug


@pytest.fixture
def open_tab(new_tab):
    """open_tab(size, mobile=True) -> a fresh tab of that size; screenshots kept on failure."""
    return lambda size, *, mobile=True: new_tab(viewport=size, is_mobile=mobile, has_touch=mobile)


def _open(tab, url: str):
    """Open a page with every chart drawn (scrolled to each), then back at its top."""
    open_ready(tab, url)
    tab.wait_for_function(CHARTS_DRAWN_JS, timeout=30_000)
    tab.evaluate("window.scrollTo(0, 0)")
    return tab


def _check_controls(tab, width: int) -> int:
    controls = tab.evaluate(CONTROLS_JS)
    off_screen = [c for c in controls if c["left"] < -0.5 or c["right"] > width + 0.5]
    assert off_screen == [], f"drawn past the edge of a {width} px screen"
    too_small = [c for c in controls if c["touch"] < TOUCH - 0.5]
    assert too_small == [], f"touch targets under {TOUCH} px"
    assert tab.evaluate(TOO_WIDE_JS, width) == []
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    for control in controls:
        # Scrolled to, not covered by anything (the "Need help now?" link included), and
        # ready for a tap: Playwright's checks for a click, without changing anything.
        tab.locator(f'[data-phone-check="{control["n"]}"]').click(trial=True, timeout=5_000)
    return len(controls)


@pytest.mark.parametrize(
    ("notebook", "size"),
    [(nb, PHONE) for nb in NOTEBOOKS] + [(nb, SMALL_PHONE) for nb in ("02_reason.ipynb", "05_support.ipynb")],
    ids=lambda value: f"{value['width']}px" if isinstance(value, dict) else value.split(".")[0],
)
def test_every_control_is_on_a_phone_screen_and_big_enough_to_tap(demo, open_tab, notebook, size):
    app, slug = demo
    tab = _open(open_tab(size), app.url(notebook, slug))
    checked = _check_controls(tab, size["width"])
    # the dashboard and the patterns across rejections are only to read
    assert checked > 0 or notebook in ("06_journey.ipynb", PATTERNS_NOTEBOOK)
    assert tab.errors == []


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


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_no_page_and_no_chart_offers_a_way_out_to_the_network(demo, open_tab, notebook):
    app, slug = demo
    tab = open_tab(LAPTOP, mobile=False)
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    _open(tab, app.url(notebook, slug))
    charts = tab.locator(".wb-chart .js-plotly-plot")
    for n in range(charts.count()):
        charts.nth(n).hover()  # shows the chart's mode bar
        tab.locator(".modebar").nth(n).wait_for(timeout=5_000)
    tab.wait_for_timeout(300)  # late requests would show up here

    outside = [url for url in requests if not url.startswith((app.base + "/", "data:", "blob:"))]
    assert outside == []
    assert tab.evaluate(ADDRESSES_JS) == []
    titles = tab.evaluate(
        "() => [...document.querySelectorAll('.modebar-btn, .modebar a')]"
        ".map((b) => b.getAttribute('data-title') || b.getAttribute('aria-label') || b.textContent)"
    )
    assert [
        t for t in titles if any(word in t.lower() for word in ("share", "cloud", "studio", "plotly"))
    ] == []
    if charts.count():
        assert "Download plot as a PNG" in titles  # what is left: saving the picture here
        context = charts.first.evaluate(
            "(plot) => ({server: plot._context.plotlyServerURL, cloud: plot._context.showSendToCloud,"
            " env: (window.PLOTLYENV || {}).BASE_URL || ''})"
        )
        assert context == {"server": "", "cloud": False, "env": ""}
    assert tab.errors == []
