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
