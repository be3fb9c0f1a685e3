"""Stages 2 and 3 in the real app: rate traits and watch the picture change, weigh the case,
choose each path and follow where it leads, reload and find everything, and no serious
accessibility problems on either page."""

from __future__ import annotations

import re
import time

import pytest

from .helpers import axe_problems, here, open_ready, screenshot, wait_for_stage

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
CHART_WAIT_MS = 30_000


def _chart_data(tab, n: int):
    """The traces plotly drew in the page's n-th chart, as {name: {x, y}} (scrolled to,
    as a chart is drawn when it comes near the screen)."""
    return tab.evaluate(
        """n => {
            const places = document.querySelectorAll('.wb-chart');
            if (places.length <= n) return null;
            places[n].scrollIntoView({ block: 'nearest' });
            const plot = places[n].querySelector('.js-plotly-plot');
            if (!plot || !plot.data) return null;
            return Object.fromEntries(plot.data.map(t => [t.name, {x: t.x, y: t.y}]));
        }""",
        n,
    )


def _wait_for_chart(tab, n: int, check, timeout_ms: int = CHART_WAIT_MS):
    """Poll the n-th chart until `check(data)` holds; returns the data and the seconds it took."""
    started = time.monotonic()
    deadline = started + timeout_ms / 1000
    data = None
    while time.monotonic() < deadline:
        data = _chart_data(tab, n)
        if data is not None and check(data):
            return data, time.monotonic() - started
        tab.wait_for_timeout(20)
    raise AssertionError(f"chart {n} did not change as expected; last data: {data}")


TIME_RATING_JS = """
async ([name, label]) => {
    const row = [...document.querySelectorAll('.wb-trait-row')].find(r => r.textContent.includes(name));
    const select = row.querySelector('select');
    const status = document.querySelector('.wb-status');
    const xs = () => {
        const plot = document.querySelector('.wb-chart .js-plotly-plot');
        return plot && plot.data ? JSON.stringify(plot.data.map(t => t.x)) : '';
    };
    const statusBefore = status.textContent, chartBefore = xs();
    const t0 = performance.now();
    let tStatus = null, tChart = null;
    select.value = label;
    select.dispatchEvent(new Event('change', {bubbles: true}));
    while (performance.now() - t0 < 20000 && (tStatus === null || tChart === null)) {
        await new Promise(resolve => setTimeout(resolve, 2));
        if (tStatus === null && status.textContent !== statusBefore) tStatus = performance.now() - t0;
        if (tChart === null && xs() !== chartBefore) tChart = performance.now() - t0;
    }
    return [tStatus, tChart];
}
"""


def _time_rating_changes(tab, changes: list[tuple[str, str]]) -> tuple[float, float]:
    """Median ms from a rating change to (the 'saved' status line, the redrawn chart)."""
    import statistics

    timings = [tab.evaluate(TIME_RATING_JS, [name, label]) for name, label in changes]
    assert all(status is not None and chart is not None for status, chart in timings), timings
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def _trait_row(tab, name: str):
    return tab.locator(".wb-trait-row").filter(has_text=name)


def _rate(tab, name: str, label: str) -> None:
    """Choose a trait's rating from its scale."""
    _trait_row(tab, name).get_by_label(name, exact=True).select_option(label=label)


def test_stage_2_and_3_journey(app, page):
    slug = app.new_workbook("Browser reason and growth")
    tab = open_ready(page, app.url("02_reason.ipynb", slug))

    # the reason
    tab.get_by_label("Partly — I heard some of it").check()
    tab.get_by_label("What was said, or what I believe the reason is").fill("Not enough experience. " + XSS)
    tab.get_by_text("Saved the reason").wait_for()

    # traits: one from the list, one of my own
    tab.get_by_label("Find a trait").fill("patience")
    tab.get_by_role("button", name="Add to my list").click()
    tab.get_by_text("Saved patience to your list").wait_for()
    tab.get_by_label("Trait", exact=True).fill("Juggling three jobs")
    tab.get_by_label("Its area").select_option(label="Skills and experience")
    tab.get_by_role("button", name="Add my own trait").click()
    tab.get_by_text("Saved Juggling three jobs to your list").wait_for()

    # the picture is drawn once the page is on screen, and follows every rating
    _wait_for_chart(tab, 0, lambda d: "Neither" in d and len(d["Neither"]["y"]) == 2)
    _rate(tab, "patience", "+1 slight strength")
    data, rating_seconds = _wait_for_chart(tab, 0, lambda d: "Strengths" in d)
    assert data["Strengths"] == {"x": [1], "y": ["patience"]}
    _rate(tab, "patience", "+3 clear strength")
    _wait_for_chart(tab, 0, lambda d: d["Strengths"]["x"] == [3])
    _rate(tab, "Juggling three jobs", "−2 weakness")
    _wait_for_chart(tab, 0, lambda d: d.get("Weaknesses", {}).get("x") == [-2])
    _trait_row(tab, "Juggling three jobs").get_by_label("The reason touches this").check()
    data, _ = _wait_for_chart(tab, 0, lambda d: d.get("Weaknesses", {}).get("y") == ["Juggling three jobs ◆"])
    domains, _ = _wait_for_chart(tab, 1, lambda d: d.get("Balance", {}).get("x") == [3, -2])
    assert domains["Balance"]["y"] == ["Personality", "Skills and experience"]
    assert domains["Balance"]["x"] == [3, -2]
    tab.get_by_text("The reason touches: Juggling three jobs.").wait_for()
    # alternate two traits, so each change says something new on the status line
    status_ms, chart_ms = _time_rating_changes(
        tab,
        [
            ("patience", "+1 slight strength"),
            ("Juggling three jobs", "−1 slight weakness"),
            ("patience", "+2 strength"),
            ("Juggling three jobs", "−3 clear weakness"),
            ("patience", "+1 slight strength"),
            ("Juggling three jobs", "−2 weakness"),
            ("patience", "+3 clear strength"),
        ],
    )
    _wait_for_chart(tab, 0, lambda d: d["Strengths"]["x"] == [3] and d["Weaknesses"]["x"] == [-2])
    print(
        f"\nfirst rating -> redrawn chart: {rating_seconds * 1000:.0f} ms; median of 7 changes: "
        f"status line {status_ms:.0f} ms, redrawn chart {chart_ms:.0f} ms ({chart_ms / status_ms:.1f}x)"
    )

    # the case for and against, and the verdict
    tab.get_by_label("A point for the reason").fill("I had only one year in the role.")
    tab.get_by_role("button", name="Add this point for").click()
    tab.get_by_label("A point against the reason").fill("I led the biggest project there.")
    tab.get_by_role("button", name="Add this point against").click()
    tab.get_by_text("I led the biggest project there.").wait_for()
    tab.get_by_label("partly holds").check()
    tab.get_by_text("Saved your verdict").wait_for()
    tab.get_by_text("does not make you a bad person").wait_for()
    assert tab.locator("img[src=x]").count() == 0
    screenshot(tab, "reason")
    assert axe_problems(tab) == []

    # reload: everything is still there
    tab = open_ready(tab, app.url("02_reason.ipynb", slug))
    assert tab.get_by_label("Partly — I heard some of it").is_checked()
    assert XSS in tab.get_by_label("What was said, or what I believe the reason is").input_value()
    assert _trait_row(tab, "Juggling three jobs").get_by_label("The reason touches this").is_checked()
    assert _trait_row(tab, "patience").locator("select").input_value() == "+3 clear strength"
    tab.get_by_text("I had only one year in the role.").wait_for()
    tab.get_by_text("I led the biggest project there.").wait_for()
    assert tab.get_by_label("partly holds").is_checked()
    _wait_for_chart(tab, 0, lambda d: d.get("Strengths", {}).get("y") == ["patience"])

    # on to Stage 3: the verdict is a hint, and each path leads where it should
    # (the single page's links lead into the one-page app)
    here(tab).locator("a.wb-next").click()
    wait_for_stage(tab, "grow")
    assert tab.url.endswith(f"app.ipynb?workbook={slug}#grow")
    view = here(tab)  # the stage on screen (the app keeps others, hidden)
    view.get_by_text("you said the reason partly holds").wait_for()

    for path, label in (
        ("keep", "It may hold, and I'm choosing not to change"),
        ("let go", "It doesn't hold, or I can't know, so I'll let it go"),
    ):
        view.get_by_label(label).check()
        view.get_by_text("Saved your path").wait_for()
        if path == "keep":
            view.get_by_text("not from pressure").wait_for()
            view.locator("a.wb-next-step").click()
        else:
            view.locator("a.wb-next").click()
        page.wait_for_url(re.compile(r"app\.ipynb\?workbook=" + re.escape(slug) + "#heal$"))
        wait_for_stage(page, "heal")
        open_ready(page, app.url("03_grow.ipynb", slug))
        assert view.get_by_label(label).is_checked()

    view.get_by_label("I want to grow in this area").check()
    view.get_by_text("Your growth goals are just below").wait_for()
    view.locator("a.wb-next-step").click()
    page.wait_for_url(re.compile(r"03_grow\.ipynb.*#wb-goals$"))
    assert view.locator("#wb-goals").is_visible()
    view.get_by_label("A small goal").fill("Take on one extra responsibility")
    view.get_by_label("Tied to a trait (optional)").select_option(label="Juggling three jobs (weakness)")
    view.get_by_label("The first thing I'll learn or try").fill("Ask my manager what that could be")
    view.get_by_role("button", name="Add this goal").click()
    view.get_by_text("Tied to: Juggling three jobs").wait_for()
    view.get_by_label("What I did", exact=True).fill("Asked at the Monday meeting")
    view.get_by_role("button", name="Log this step").click()
    view.get_by_text("Every step counts").wait_for()
    view.get_by_label("What I accomplished").fill("Got the new rota to run")
    view.get_by_label("How I celebrated").fill("Dinner out")
    view.get_by_role("button", name="Save this celebration").click()
    view.get_by_text("Saved your celebration").wait_for()
    progress, _ = _wait_for_chart(tab, 0, lambda d: "Steps" in d and "Celebrations" in d)
    assert progress["Steps"]["y"] == ["Take on one extra responsibility"]
    screenshot(tab, "grow")
    assert axe_problems(tab) == []

    # reload: the path, the goal, the step and the celebration are all still there
    open_ready(page, app.url("03_grow.ipynb", slug))
    assert view.get_by_label("I want to grow in this area").is_checked()
    view.get_by_text("Take on one extra responsibility").first.wait_for()
    view.get_by_text("Asked at the Monday meeting").wait_for()
    view.get_by_text("Got the new rota to run").wait_for()
    _wait_for_chart(tab, 0, lambda d: "Steps" in d)
    assert not tab.errors
