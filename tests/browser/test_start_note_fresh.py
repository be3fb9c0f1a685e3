"""Issue 21, item 4: a note on the whole workbook brought in by `open-return` while the app is
open is on the start page after a reload on another stage and a click on "Start here".

The reload gets the kernel serve preheated when the tab was first opened, before the note
came in: that kernel's start page is out of date and must be built again."""

from __future__ import annotations

import pytest

from workbook import exchange

from .helpers import (
    PERSONS_STANDBY,
    cpu_quiet,
    go_to_stage,
    here,
    kernels_become,
    open_ready,
    screenshot,
    tab_kernel_pid,
    wait_for_stage,
)

pytestmark = pytest.mark.browser


def test_a_whole_workbook_note_brought_in_meanwhile_is_on_the_start_page(start_app, browser, tmp_path):
    app = start_app(tmp_path / "home", standby=PERSONS_STANDBY)
    slug = app.new_workbook("After the interview")
    app.home.set_current(slug)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    try:
        open_ready(tab, app.app_url("reason"))
        wait_for_stage(tab, "reason")
        # the kernel for the next page is made (and runs the app) while this one is open
        kernels = kernels_become(app, PERSONS_STANDBY + 1, "the standby kernel")
        standby = kernels - {tab_kernel_pid(tab, app.process.pid)}
        cpu_quiet(standby.pop())  # ...and has run the app and built its start page: it waits
        with app.home.open(slug) as wb:  # `rejection-workbook open-return`, in a terminal
            exchange.annotate(wb, 0, "Lovely work this week, take your time with Stage 3.")
        tab.reload()
        wait_for_stage(tab, "reason")
        go_to_stage(tab, "start")  # "Start here"
        here(tab).get_by_text("Lovely work this week, take your time with Stage 3.").wait_for(timeout=10_000)
        screenshot(tab, "start-note-after-open-return")
    finally:
        context.close()
