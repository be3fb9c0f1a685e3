"""What a person sees, on a small phone (320 px), a phone (390 px) and a laptop (1280 px):
every page of the demo workbook, in the app and as a single page, checked by axe and for
boxes that scroll sideways; and the layout details a newcomer tripped over (issue 21).

Screenshots of every page at each width are kept in tests/artifacts/screens-*.png.
"""

from __future__ import annotations

import pytest

from workbook.registry import STAGES, page_notebooks

from .helpers import axe_problems, open_ready, screenshot, wait_for_stage

pytestmark = pytest.mark.browser

SIZES = {
    320: {"width": 320, "height": 568},
    390: {"width": 390, "height": 844},
    1280: {"width": 1280, "height": 900},
}
PAGES = page_notebooks() + [f"app.ipynb#{stage.key}" for stage in STAGES]

# Every chart on screen is drawn (scrolled to each in turn: a chart draws as it comes near).
CHARTS_DRAWN_JS = """
() => {
  const waiting = [...document.querySelectorAll(".wb-chart")]
    .filter((chart) => chart.offsetParent !== null && !chart.querySelector(".js-plotly-plot .main-svg"));
  if (waiting.length) waiting[0].scrollIntoView({ block: "center" });
  return waiting.length === 0;
}
"""

# Boxes on the page that scroll sideways (something inside them is wider than they are): on a
# phone a swipe moves what is inside, clipping its left edge, and a keyboard can't reach them.
SIDEWAYS_JS = """
() => [...document.querySelectorAll(".wb-page, .wb-page *")]
  .filter((el) => !el.closest(".wb-visually-hidden, .js-plotly-plot") && !el.ownerSVGElement)
  .filter((el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX))
  .filter((el) => el.scrollWidth > el.clientWidth + 0.5 && el.tagName !== "TEXTAREA"
    && el.tagName !== "SELECT" && el.tagName !== "INPUT")
  .map((el) => el.tagName.toLowerCase() + "." + String(el.className).split(" ").slice(-2).join(".")
    + ` (${el.scrollWidth} > ${el.clientWidth})`)
"""


@pytest.fixture(scope="module")
def demo(start_app, tmp_path_factory):
    """The demo app and the demo workbook's slug."""
    app = start_app(tmp_path_factory.mktemp("screens-demo"), "--demo")
    return app, app.home.find("Demo — Sam").slug


@pytest.fixture
def open_tab(browser, request):
    """open_tab(width) -> a fresh tab of that width (a touch phone below 600 px)."""
    contexts = []

    def make(width: int):
        phone = width < 600
        context = browser.new_context(viewport=SIZES[width], is_mobile=phone, has_touch=phone)
        contexts.append(context)
        tab = context.new_page()
        tab.errors = []
        tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
        return tab

    yield make
    for context in contexts:
        if getattr(request.node, "failed_call", False):
            for n, tab in enumerate(context.pages):
                screenshot(tab, f"FAILED-{request.node.name}-{n}")
        context.close()


def _open(app, slug, tab, page: str):
    """Open a single page, or a stage of the app ("app.ipynb#grow"), every chart drawn."""
    if page.startswith("app.ipynb#"):
        key = page.split("#")[1]
        open_ready(tab, app.app_url(key, slug))
        wait_for_stage(tab, key)
    else:
        open_ready(tab, app.url(page, slug))
    tab.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000, polling=300)
    tab.evaluate("window.scrollTo(0, 0)")
    tab.wait_for_timeout(300)
    return tab


def _name(page: str) -> str:
    return page.replace("app.ipynb#", "app-").replace(".ipynb", "")


@pytest.mark.parametrize("width", sorted(SIZES))
@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_axe_and_nothing_scrolls_sideways(demo, open_tab, page, width):
    app, slug = demo
    tab = _open(app, slug, open_tab(width), page)
    screenshot(tab, f"screens-{_name(page)}-{width}")
    assert tab.evaluate(SIDEWAYS_JS) == []
    assert axe_problems(tab) == []
    assert tab.errors == []


# -- charts keep their place while they draw, and draw as they come into view ------------------
SUMMARY_TOPS_JS = """
() => [...document.querySelectorAll(".wb-chart-summary")].filter((el) => el.offsetParent !== null)
  .map((el) => Math.round(el.getBoundingClientRect().top + window.scrollY))
"""
FIGURES_ARRIVED_JS = """
() => [...document.querySelectorAll(".wb-chart")].filter((el) => el.offsetParent !== null)
  .every((el) => parseFloat(el.style.minHeight) > 100)
"""


@pytest.mark.parametrize("page", ["06_journey.ipynb", "app.ipynb#journey"], ids=_name)
def test_charts_lower_down_draw_soon_after_being_scrolled_to_and_nothing_jumps(demo, open_tab, page):
    """Issue 21: on the journey page, charts lower down appeared more than 3 s after being
    scrolled to, and then pushed the text down."""
    app, slug = demo
    tab = open_tab(390)
    if page.startswith("app.ipynb#"):
        open_ready(tab, app.app_url("journey", slug))
        wait_for_stage(tab, "journey")
    else:
        open_ready(tab, app.url(page, slug))
    tab.wait_for_function(FIGURES_ARRIVED_JS, timeout=30_000)  # each chart's place is kept
    tops = tab.evaluate(SUMMARY_TOPS_JS)
    charts = tab.locator(".wb-chart:visible")
    last = charts.nth(charts.count() - 1)
    assert last.locator(".main-svg").count() == 0  # far down: not drawn before it is needed
    last.scroll_into_view_if_needed()
    last.locator(".main-svg").first.wait_for(timeout=3_000)
    tab.wait_for_timeout(300)
    moved = [after - before for before, after in zip(tops, tab.evaluate(SUMMARY_TOPS_JS), strict=True)]
    assert all(abs(shift) <= 2 for shift in moved), f"the words under the charts moved {moved} px"
