"""Stages 4 and 5 and the journey dashboard in the real app."""

from __future__ import annotations

import pytest

from .helpers import axe_problems, open_ready, screenshot, wait_ready

pytestmark = pytest.mark.browser

CRISIS = "988"


def test_a_yes_to_self_harm_shows_the_crisis_line_without_another_click(app, page):
    slug = app.new_workbook()
    open_ready(page, app.url("05_support.ipynb", slug))
    urgent = page.locator(".wb-urgent")
    assert urgent.count() == 0
    assert axe_problems(page) == []

    page.get_by_label("Have I had thoughts of hurting myself?").select_option(label="Yes")

    urgent.wait_for(timeout=5_000)  # nothing else pressed
    assert CRISIS in urgent.inner_text()
    assert CRISIS in page.locator(".wb-urgent-inline").inner_text()
    box = urgent.bounding_box()
    weighing = page.get_by_role("heading", name="Is this rejection weighing on you?")
    assert box["y"] < weighing.bounding_box()["y"]  # above the rest of the page
    screenshot(page, "support-urgent")
    assert axe_problems(page) == []

    page.reload()
    wait_ready(page)
    page.locator(".wb-urgent").wait_for(timeout=10_000)  # still there on the next visit


def test_the_letter_is_saved_and_shown_again_after_reload(app, page):
    slug = app.new_workbook()
    open_ready(page, app.url("04_heal.ipynb", slug))
    assert axe_problems(page) == []
    page.get_by_label("My letter").fill("Dear me, you were brave to apply. <b>not bold</b>")
    page.get_by_text("Saved your letter").wait_for(timeout=10_000)
    page.get_by_label("A good quality of mine").fill("I keep going")
    page.get_by_role("button", name="Add this quality").click()
    page.get_by_text("Saved your good quality").wait_for()
    screenshot(page, "heal")

    page.reload()
    wait_ready(page)
    letters = page.locator(".wb-list .wb-quote", has_text="Dear me, you were brave to apply.")
    letters.first.wait_for(timeout=10_000)
    assert "<b>not bold</b>" in letters.first.inner_text()
    assert page.locator(".wb-quote b").count() == 0
    page.get_by_text("I keep going").wait_for()


def test_the_demo_dashboard_shows_its_charts(start_app, tmp_path, page):
    demo = start_app(tmp_path / "demo-home", "--demo", standby=0)  # single pages only
    slug = demo.home.find("Demo — Sam").slug  # in the demo's own home
    open_ready(page, demo.url("06_journey.ipynb", slug))
    page.get_by_text("Writing to the workbook Demo — Sam").wait_for()
    places = page.locator(".wb-chart")
    places.first.locator(".js-plotly-plot").wait_for(timeout=30_000)
    assert places.count() == 4
    # A chart far down the page is drawn when it comes near the screen, not before.
    last = places.nth(3)
    assert last.bounding_box()["y"] > page.viewport_size["height"] + 600
    assert last.locator(".js-plotly-plot").count() == 0
    last.scroll_into_view_if_needed()
    charts = page.locator(".wb-chart .js-plotly-plot")
    charts.nth(3).wait_for(timeout=30_000)
    assert charts.count() == 4
    assert page.locator(".wb-chart .js-plotly-plot .scatterlayer .trace").count() > 5
    page.get_by_text("Mostly I feel like myself again.").first.wait_for()
    assert page.errors == []
    screenshot(page, "journey-demo")
    assert axe_problems(page) == []

    for notebook, name, drawn in (
        ("04_heal.ipynb", "heal-demo", ".wb-chart"),
        ("05_support.ipynb", "support-demo", ".wb-options"),
    ):
        open_ready(page, demo.url(notebook, slug))
        place = page.locator(drawn).first
        place.scroll_into_view_if_needed()
        (place.locator(".js-plotly-plot") if drawn == ".wb-chart" else place).wait_for(timeout=30_000)
        screenshot(page, name)
        assert axe_problems(page) == [], notebook
    page.get_by_role("button", name="Prepare my download").click()
    link = page.locator("a.wb-download")
    link.wait_for(timeout=20_000)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".zip")
