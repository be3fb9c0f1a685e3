"""A long step reads whole on the journey page, or ends with a visible "…" (issue 21, item 12).

The goals list ("Latest step (3 Nov 2026): …") shows every step whole at every width we
tried (320 to 1024 px, a single page and the app, a 250-character step and an address with
no space). What a phone cut mid-sentence was the goals chart's hover label: one line of up
to 80 characters, about 670 px wide on a 390 px screen, cut at both edges of the screen
with its "…" out of sight; the chart now wraps it in lines of about 28 characters.
"""

from __future__ import annotations

import pytest

from .helpers import open_ready, screenshot, wait_for_stage
from .test_screens import CHARTS_DRAWN_JS

pytestmark = pytest.mark.browser

STEP = (
    "Asked Priya to sit with me before the review, went through every slide twice, "
    "and then presented the whole kiosk project on my own, questions and all, "
    "which I would not have dared a month ago — the last words of this step are THE-END-OF-THE-STEP."
)
LONG_WORD = "https://example.org/" + "a-very-long-address-with-no-space-" * 4 + "ENDS-HERE"

# For the goals list: each step line's words, and whether any part of them is hidden
# (clipped by a box around it, or past the right edge of the screen).
LINES_JS = """
() => [...document.querySelectorAll('.wb-page:not([hidden]) .wb-goals li')]
  .filter((li) => li.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true }))
  .map((li) => {
    const rect = li.getBoundingClientRect();
    const clipped = [];
    for (let box = li.parentElement; box && box !== document.body; box = box.parentElement) {
      const style = getComputedStyle(box);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const outer = box.getBoundingClientRect();
      if (rect.right > outer.right + 1 || rect.bottom > outer.bottom + 1 || li.scrollWidth > li.clientWidth + 1)
        clipped.push(box.className);
    }
    const cut = [...li.querySelectorAll('*')].some((el) => {
      const style = getComputedStyle(el);
      return (style.overflowX !== 'visible' || style.overflowY !== 'visible')
        && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
    });
    return {text: li.innerText, full: li.textContent, titles: [...li.querySelectorAll('[title]')]
      .map((el) => el.title), clipped, cut, right: rect.right, width: innerWidth};
  })
"""


@pytest.fixture(scope="module")
def long_steps(app):
    with app.home.create("Long steps") as wb:
        goal = wb.put("goal", {"title": "Present our work at the monthly critique"})
        wb.put("step", {"goal_id": goal.entry_id, "kind": "step", "done_on": "2026-11-03", "text": STEP})
        other = wb.put("goal", {"title": "Share what I learned"})
        wb.put(
            "step", {"goal_id": other.entry_id, "kind": "step", "done_on": "2026-11-04", "text": LONG_WORD}
        )
        return app, wb.path.stem


@pytest.mark.parametrize(
    ("where", "width"),
    [
        ("06_journey.ipynb", 320),
        ("06_journey.ipynb", 390),
        ("06_journey.ipynb", 768),
        ("app.ipynb#journey", 390),
    ],
)
def test_the_latest_step_in_the_goals_list_reads_whole(long_steps, new_tab, where, width):
    app, slug = long_steps
    tab = new_tab(viewport={"width": width, "height": 844}, is_mobile=width < 600, has_touch=width < 600)
    if where.startswith("app"):
        open_ready(tab, app.app_url("journey", slug))
        wait_for_stage(tab, "journey")
    else:
        open_ready(tab, app.url(where, slug))
    tab.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000, polling=300)
    lines = tab.evaluate(LINES_JS)
    screenshot(tab, f"journey-latest-step-{width}-{where.split('.')[0]}")
    assert len(lines) == 2, lines
    for line, words, end in zip(lines, (STEP, LONG_WORD), ("THE-END-OF-THE-STEP.", "ENDS-HERE"), strict=True):
        assert not line["clipped"] and not line["cut"] and line["right"] <= line["width"], line
        shown_whole = end in line["text"]
        assert shown_whole or (line["text"].rstrip().endswith("…") and words in line["titles"]), line
        assert words in line["full"]  # screen readers have it all


HOVER_JS = """
() => [...document.querySelectorAll('.hoverlayer .hovertext')].map((label) => {
  const rect = label.getBoundingClientRect();
  return {left: rect.left, right: rect.right, width: innerWidth, text: label.textContent};
})
"""


def test_a_step_on_the_goals_chart_is_never_cut_at_the_edge_of_a_phone(long_steps, new_tab):
    app, slug = long_steps
    tab = new_tab(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    open_ready(tab, app.url("06_journey.ipynb", slug))
    tab.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000, polling=300)
    points = tab.locator(".wb-chart .js-plotly-plot .scatterlayer .point")
    assert points.count() >= 2
    for n in range(points.count()):
        points.nth(n).hover(force=True)
        tab.wait_for_function(
            "() => document.querySelector('.hoverlayer .hovertext') !== null", timeout=5_000
        )
        for label in tab.evaluate(HOVER_JS):
            assert label["left"] >= 0 and label["right"] <= label["width"], label
