"""The last keystrokes before a tab is closed are kept (issue: ~0.3 s of typing was lost)."""

from __future__ import annotations

import time

import pytest

from .helpers import open_ready

pytestmark = pytest.mark.browser

TEXT = "I pictured walking in on the first day, and everyone there already knowing my name."


def _saved_answer(app, slug: str, wait_s: float = 30) -> str:
    """The saved answer to 'What I hoped for', once the kernel has saved it (or after `wait_s`)."""
    deadline = time.monotonic() + wait_s
    text = ""
    while time.monotonic() < deadline:
        with app.home.open(slug) as wb:
            found = [e for e in wb.entries("reflection") if e.data.get("prompt") == "hoped"]
        text = found[-1].data["text"] if found else ""
        if text == TEXT:
            break
        time.sleep(0.25)
    return text


def test_every_keystroke_survives_closing_the_tab_right_after_typing(app, page):
    slug = app.new_workbook()
    open_ready(page, app.url("01_feel.ipynb", slug))
    page.get_by_label("What I hoped for or pictured").click()
    # typed key by key, in a quick burst: the last keys are still held back in the browser
    # (ipywidgets sends one change at a time) when the tab closes
    page.keyboard.type(TEXT, delay=2)
    context = page.context
    page.close()  # and the tab closed at once, mid-thought

    assert _saved_answer(app, slug) == TEXT
    again = context.new_page()
    open_ready(again, app.url("01_feel.ipynb", slug))
    assert again.get_by_label("What I hoped for or pictured").input_value() == TEXT
