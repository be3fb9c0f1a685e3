"""The one-page app: every stage in one tab and one kernel, with a working address bar.

Each test that counts kernels starts an app of its own, so other tests' tabs can't
change the count.
"""

from __future__ import annotations

import functools
import os
import re
import signal

import pytest
from playwright.sync_api import expect

from workbook.registry import STAGES

from .helpers import (
    PERSONS_STANDBY,
    close_tab,
    eventually,
    go_to_stage,
    here,
    kernel_pids,
    kernels_become,
    open_ready,
    screenshot,
    tab_kernel_pid,
    wait_for_stage,
)

pytestmark = pytest.mark.browser


_wait = functools.partial(eventually, timeout=60.0)  # a kernel starting on two busy cores


def _title(tab) -> str:
    return here(tab).locator("h1").inner_text()


def _saved(app, slug, kind, field, text) -> bool:
    with app.home.open(slug) as wb:
        return any(e.data.get(field) == text for e in wb.entries(kind))


def test_walk_every_stage_back_forward_reload_and_close(start_app, browser, tmp_path):
    app = start_app(tmp_path / "home", standby=PERSONS_STANDBY)
    slug = app.new_workbook("One tab")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    open_ready(tab, app.app_url(slug=slug))
    assert _title(tab) == "Start here"
    tab_kernels = kernels_become(app, PERSONS_STANDBY + 1, "the tab's kernel and the standby")

    # every stage through the nav, in one page: the address says which
    for stage in STAGES[1:]:
        go_to_stage(tab, stage.key)
        assert _title(tab) == stage.title
        # the address and the tab's title follow as soon as the page is drawn
        expect(tab).to_have_url(re.compile(rf"workbook={slug}#{stage.key}$"))
        expect(tab).to_have_title(re.compile(rf"^{re.escape(stage.title)}"))
    assert set(kernel_pids(app.process.pid)) == tab_kernels  # no new kernel for any of them

    # type into Stage 1, move away and back: the words are on the page and in the workbook
    go_to_stage(tab, "feel")
    box = here(tab).get_by_label("What happened, in my words")
    box.fill("She said the team wanted someone else.")
    go_to_stage(tab, "reason")  # leaving the box sends it
    _wait(lambda: _saved(app, slug, "rejection", "description", "She said the team wanted someone else."))
    go_to_stage(tab, "feel")
    assert here(tab).get_by_label("What happened, in my words").input_value() == (
        "She said the team wanted someone else."
    )

    # back and forward move between stages; reload keeps the stage
    tab.go_back()
    wait_for_stage(tab, "reason")
    assert _title(tab) == "Look at the reason"
    tab.go_back()
    wait_for_stage(tab, "feel")
    tab.go_forward()
    wait_for_stage(tab, "reason")
    tab.reload()
    wait_for_stage(tab, "reason")
    assert _title(tab) == "Look at the reason"
    assert tab.url.endswith("#reason")
    go_to_stage(tab, "feel")
    assert here(tab).get_by_label("What happened, in my words").input_value() == (
        "She said the team wanted someone else."
    )
    screenshot(tab, "app-feel")
    assert errors == [], errors

    # closing the tab shuts its kernel down; only the standby kernel stays
    kernels_become(app, PERSONS_STANDBY + 1, "the refilled standby kernel")
    close_tab(tab)
    context.close()
    kernels_become(app, PERSONS_STANDBY, "the tab's kernel to go")


def test_a_bookmark_opens_its_stage_and_old_single_page_links_lead_into_the_app(app, page):
    slug = app.new_workbook("Bookmarks")
    open_ready(page, app.app_url("heal", slug))
    wait_for_stage(page, "heal")
    assert _title(page) == "Heal"
    # an old per-stage address still opens that stage on its own ...
    open_ready(page, app.url("02_reason.ipynb", slug))
    assert _title(page) == "Look at the reason"
    # ... and its links lead into the app, on the same workbook
    here(page).locator('.wb-nav a:has-text("Support")').click()
    page.wait_for_url(re.compile(r"/app\.ipynb\?workbook=" + re.escape(slug) + "#support$"))
    wait_for_stage(page, "support")
    assert here(page).get_by_text("Writing to the workbook Bookmarks").is_visible()


def test_unknown_routes_and_bad_workbook_names_are_calm(app, page):
    open_ready(page, app.app_url("no-such-stage"))
    assert _title(page) == "Start here"
    open_ready(page, app.app_url("feel", "..%2F..%2Fetc%2Fpasswd"))
    wait_for_stage(page, "feel")
    assert here(page).locator(".wb-problem").is_visible()
    assert page.locator("body").inner_text().count("Traceback") == 0


def test_a_new_strength_in_stage_2_shows_on_the_pages_that_use_it(app, page):
    slug = app.new_workbook("Strengths travel")
    open_ready(page, app.app_url("heal", slug))
    wait_for_stage(page, "heal")
    assert "Kept my word" not in here(page).inner_text()
    go_to_stage(page, "reason")
    here(page).get_by_label("Trait", exact=True).fill("Kept my word")
    here(page).get_by_role("button", name="Add my own trait").click()
    row = here(page).locator(".wb-trait-row", has_text="Kept my word")
    row.locator("select").select_option(label="+3 clear strength")
    here(page).get_by_text("Saved").first.wait_for()
    _wait(lambda: any(e.data.get("rating") == 3 for e in _entries(app, slug, "trait")), what="the rating")
    go_to_stage(page, "heal")
    here(page).get_by_text("Kept my word").first.wait_for()
    go_to_stage(page, "journey")
    assert here(page).get_by_text("When you rate your traits").count() == 0


def _entries(app, slug, kind):
    with app.home.open(slug) as wb:
        return wb.entries(kind)


def test_two_tabs_on_one_workbook_each_keep_what_they_wrote(app, browser):
    slug = app.new_workbook("Two tabs")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        first, second = context.new_page(), context.new_page()
        open_ready(first, app.app_url("feel", slug))
        wait_for_stage(first, "feel")
        open_ready(second, app.app_url("reason", slug))
        wait_for_stage(second, "reason")
        here(first).get_by_label("What happened, in my words").fill("Written in the first tab.")
        here(second).get_by_label("Partly — I heard some of it").check()
        here(second).get_by_label("What was said, or what I believe the reason is").fill(
            "Written in the second tab."
        )
        go_to_stage(first, "grow")
        go_to_stage(second, "heal")
        _wait(lambda: _saved(app, slug, "rejection", "description", "Written in the first tab."))
        _wait(lambda: any("Written in the second tab." in str(e.data) for e in _entries(app, slug, None)))
        # each tab, moving on, sees what the other wrote
        go_to_stage(second, "feel")
        assert here(second).get_by_label("What happened, in my words").input_value() == (
            "Written in the first tab."
        )
        go_to_stage(first, "reason")
        assert (
            "Written in the second tab."
            in here(first).get_by_label("What was said, or what I believe the reason is").input_value()
        )
        for tab in (first, second):
            close_tab(tab)
    finally:
        context.close()


def test_a_page_whose_kernel_has_gone_says_so_and_reloads(start_app, browser, tmp_path):
    app = start_app(tmp_path / "home", standby=PERSONS_STANDBY)
    slug = app.new_workbook("Kernel gone")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        open_ready(tab, app.app_url("feel", slug))
        wait_for_stage(tab, "feel")
        here(tab).get_by_label("What happened, in my words").fill("Saved before the kernel went.")
        here(tab).get_by_label("What happened, in my words").blur()
        _wait(lambda: _saved(app, slug, "rejection", "description", "Saved before the kernel went."))
        # the tab's kernel stops (as when a server restarts or a laptop sleeps too long)
        os.kill(tab_kernel_pid(tab, app.process.pid), signal.SIGKILL)
        tab.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # as on waking up
        note = tab.locator(".wb-lost")
        note.wait_for(state="visible", timeout=45_000)
        assert "Everything you wrote before this message is saved" in note.inner_text()
        screenshot(tab, "app-kernel-gone")
        note.get_by_role("button", name="Reload the page").click()
        wait_for_stage(tab, "feel")
        assert here(tab).get_by_label("What happened, in my words").input_value() == (
            "Saved before the kernel went."
        )
        close_tab(tab)
    finally:
        context.close()


# Where the browser has switched to, one task after the hash changed: too soon for any
# answer from the kernel, so a page shown by then was shown by the browser alone.
SWITCH_NOW_JS = """
async (key) => {
  location.hash = key;
  await new Promise((r) => setTimeout(r, 0));
  return document.documentElement.dataset.wbShow;
}
"""


def test_a_page_seen_before_comes_back_without_waiting_for_the_kernel_unless_something_changed(app, page):
    slug = app.new_workbook("Quick return")
    open_ready(page, app.app_url("feel", slug))
    wait_for_stage(page, "feel")
    go_to_stage(page, "support")
    page.wait_for_timeout(500)  # the kernel's word on which pages are up to date arrives
    assert page.evaluate(SWITCH_NOW_JS, "feel") == "feel"
    assert _title(page) == "Feel it"
    # keyboard users start at the top: focus is on the heading by the time the page is drawn
    on_screen = "new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))"
    assert page.evaluate(f"{on_screen}.then(() => document.activeElement.tagName)") == "H1"

    # writing on a page may change what others show: then the kernel decides, and builds afresh
    box = here(page).get_by_label("What happened, in my words")
    box.fill("A short note.")
    assert page.evaluate(SWITCH_NOW_JS, "support") == "feel"
    wait_for_stage(page, "support")
    assert _title(page) == "Support"
    _wait(lambda: _saved(app, slug, "rejection", "description", "A short note."), what="the words")


# The headings a screen reader finds: Chromium's own accessibility tree, not the DOM.
def _headings_read_aloud(tab) -> list[str]:
    session = tab.context.new_cdp_session(tab)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    return [
        n.get("name", {}).get("value", "")
        for n in nodes
        if not n.get("ignored")
        and n.get("role", {}).get("value") == "heading"
        and any(p["name"] == "level" and p["value"]["value"] == 1 for p in n.get("properties", []))
    ]


def test_pages_kept_hidden_are_out_of_reach_of_keyboard_screen_reader_and_scrolling(app, page):
    """The app keeps every stage it built on the page; only the one shown may be read,
    tabbed into, or take room (the others are skipped, not removed)."""
    slug = app.new_workbook("Out of reach")
    open_ready(page, app.app_url("journey", slug))
    for key in ("feel", "reason", "grow", "heal", "start", "support"):  # all built, support shown
        go_to_stage(page, key)
    assert page.locator(".wb-stages > .wb-stage").count() == len(STAGES)
    assert _headings_read_aloud(page) == ["Support"]

    shown = page.locator(".wb-stages > .wb-stage-support")
    reached_elsewhere = []
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(60):
        page.keyboard.press("Tab")
        outside = page.evaluate(
            """() => { const e = document.activeElement;
                 const stage = e && e.closest('.wb-stages > .wb-stage');
                 return stage && !stage.classList.contains('wb-stage-support') ? e.outerHTML.slice(0, 80) : null; }"""
        )
        if outside:
            reached_elsewhere.append(outside)
    assert reached_elsewhere == []

    # the page is as tall as the stage shown (with the header above it), no taller
    room = page.evaluate("document.documentElement.scrollHeight") - shown.bounding_box()["height"]
    assert room < 400, room
    go_to_stage(page, "journey")  # and a page skipped while hidden comes back whole
    assert _headings_read_aloud(page) == ["Your journey"]
    assert here(page).get_by_text("Where you are").is_visible()


def test_a_reload_right_after_opening_does_not_wait_for_the_next_warm_kernel(start_app, new_tab, tmp_path):
    """A person opens the app and reloads it at once (or opens it in a second tab) while the
    next warm kernel still waits out its delay before starting (20 s on a person's app; ten
    minutes here): the page starts it and comes up, not a blank screen until the delay is over
    (workbook/preheat.py). Loads here give up after a minute."""
    app = start_app(tmp_path / "reload-home", standby=1, refill=600)
    slug = app.new_workbook("Reload at once")
    tab = new_tab(viewport={"width": 390, "height": 844})
    open_ready(tab, app.app_url("feel", slug))
    tab.reload()
    wait_for_stage(tab, "feel")
    second = new_tab(viewport={"width": 390, "height": 844})
    open_ready(second, app.app_url("reason", slug))
    wait_for_stage(second, "reason")
    assert tab.errors == [] and second.errors == []
