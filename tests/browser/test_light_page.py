"""The app's first page asks only for the lab extensions it uses (issue 22 item 3), and still
works with them: its widgets and anywidget run (the page gets ready)."""

from __future__ import annotations

import re

import pytest

from workbook import voila_settings

from .helpers import open_ready

pytestmark = pytest.mark.browser

EXTENSION = re.compile(r"/voila/labextensions/((?:@[^/]+/)?[^/]+)/static/")


def test_the_first_page_loads_only_the_extensions_it_needs(start_app, new_tab, tmp_path):
    app = start_app(tmp_path / "home", "--demo")
    tab = new_tab(viewport={"width": 390, "height": 844})
    asked: list[str] = []
    tab.on("request", lambda request: asked.append(request.url))
    open_ready(tab, app.app_url())
    extensions = {found.group(1) for url in asked if (found := EXTENSION.search(url))}
    assert extensions == set(voila_settings.NEEDED_EXTENSIONS)
    remote_entries = [url for url in asked if "remoteEntry" in url]
    assert not [url for url in remote_entries if "plotly" in url or "pygments" in url or "preview" in url]
    assert not tab.errors
