"""A bookmark keeps working across a restart, and a browser the app doesn't know gets a
calm page of ours saying how to open the app (issue 21).

What a person does: `rejection-workbook` opens the address it shows (with its private
token); the app takes the token out of the address bar; they bookmark the page; later
they stop the app and start it again, and open the bookmark.
"""

from __future__ import annotations

import re

import pytest

from .conftest import _start_app
from .helpers import axe_problems, close_tab, screenshot, stop_server, wait_for_stage

pytestmark = pytest.mark.browser


def test_a_bookmark_opens_the_app_after_a_restart_and_a_stranger_gets_our_page(browser, tmp_path):
    home = tmp_path / "home"
    app = _start_app(home)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    strangers = []
    try:
        slug = app.new_workbook("Bookmarked")
        tab = context.new_page()
        tab.goto(app.app_url("reason", slug))  # the address `serve` opens, with the token
        wait_for_stage(tab, "reason")
        bookmark = tab.url  # as the address bar shows it: with the token
        assert "#reason" in bookmark
        # the app drops the token from the address bar when another workbook is opened: a
        # bookmark made then has none, and the browser's login cookie carries it
        without_token = re.sub(r"token=[\w-]+&?", "", bookmark)
        assert "token" not in without_token

        stop_server(app.process)
        again = _start_app(home)
        assert again.base == app.base and again.token == app.token  # the same address

        for address in (bookmark, without_token):  # in the browser that used them before
            tab.goto("about:blank")
            tab.goto(address)
            wait_for_stage(tab, "reason")
        assert "token" not in tab.url

        # a browser that was never let in (or has lost it), and an old or wrong token
        for locale, address, title, name in (
            ("es-ES", without_token, "Tu cuaderno es privado", "private-address-es"),
            (
                "en-GB",
                f"{again.base}/voila/render/app.ipynb?token=not-the-token",
                "Your workbook is private",
                "private-address-en",
            ),
        ):
            stranger = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
            strangers.append(stranger)
            page = stranger.new_page()
            page.goto(address)
            heading = page.get_by_role("heading", name=title)
            heading.wait_for(timeout=15_000)
            body = page.inner_text("body")
            assert "rejection-workbook" in body
            assert "Token authentication" not in body and "Password" not in body
            assert page.locator("input").count() == 0  # nothing to type: no token, no password
            assert "not-the-token" not in page.content()
            assert axe_problems(page) == []
            screenshot(page, name)
    finally:
        for stranger in strangers:
            stranger.close()
        for page in context.pages:
            close_tab(page)
        context.close()
        stop_server(app.process)
        if "again" in locals():  # started again
            stop_server(again.process)
