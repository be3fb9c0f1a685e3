"""A page being left says nothing to its kernel, which has already gone.

As a tab unloads, Voilà shuts the page's kernel down in its `beforeunload` handler, and the
page's scripts live on for a moment: a chart's timer, a resize, a last blur. Each of them
that still tried to talk to the kernel threw "Cannot send" into the page (seen leaving an
app page for the practice page). Here the page is told it is being left, as a browser tells
it, and then does what its scripts react to: the window narrows, so every chart would report
its new width.
"""

from __future__ import annotations

import pytest

from .helpers import CHARTS_DRAWN_JS, open_ready, wait_for_stage

pytestmark = pytest.mark.browser

NARROW = {"width": 390, "height": 844}
CHARTS_NARROW_JS = """
() => [...document.querySelectorAll(".wb-chart")].filter((chart) => chart.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true }))
  .every((chart) => chart.getBoundingClientRect().width < 400)
"""


def test_a_page_being_left_sends_nothing_to_its_gone_kernel(start_app, page, tmp_path):
    app = start_app(tmp_path / "home", "--demo")
    slug = app.home.find("Demo — Sam").slug
    open_ready(page, app.app_url("journey", slug))
    wait_for_stage(page, "journey")
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000, polling=300)
    assert page.errors == []
    page.evaluate("window.dispatchEvent(new Event('beforeunload'))")  # Voilà lets the kernel go
    page.set_viewport_size(NARROW)
    page.wait_for_function(CHARTS_NARROW_JS, timeout=10_000)
    # each chart's resize observer has run once its size changed; let the frame after it pass
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 100)))")
    assert page.errors == []
