"""The app's first page asks only for what it uses (issue 22): with Voilà's own front end, only
the lab extensions it needs, and it still works with them (its widgets and anywidget run, the
page gets ready); with the app's light front end, no lab extension and one script."""

from __future__ import annotations

import re

import pytest

from workbook import voila_settings

from .helpers import open_ready, slow_phone

pytestmark = pytest.mark.browser

EXTENSION = re.compile(r"/voila/labextensions/((?:@[^/]+/)?[^/]+)/static/")


def test_the_first_page_loads_only_the_extensions_it_needs(start_app, new_tab, tmp_path, monkeypatch):
    monkeypatch.setenv(voila_settings.FRONTEND_ENV, "voila")  # Voilà's front end loads extensions
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


def test_the_light_front_end_s_first_page_loads_one_script_and_no_extension(
    start_app, new_tab, tmp_path, monkeypatch
):
    monkeypatch.setenv(voila_settings.FRONTEND_ENV, "light")
    app = start_app(tmp_path / "home", "--demo")
    tab = new_tab(viewport={"width": 390, "height": 844})
    asked: list[tuple[str, str]] = []
    tab.on("request", lambda request: asked.append((request.resource_type, request.url)))
    open_ready(tab, app.app_url())
    assert not [url for _kind, url in asked if EXTENSION.search(url) or "/voila/static/" in url]
    # (anywidget's widgets' own modules are scripts too, made in the page: blob: addresses)
    fetched = [url.split("?")[0] for kind, url in asked if kind == "script" and not url.startswith("blob:")]
    assert fetched == [f"{app.base}/voila/templates/{voila_settings.LIGHT_TEMPLATE}/static/light.js"]
    assert all(url.startswith((app.base, "data:", "blob:" + app.base)) for _kind, url in asked), asked
    assert not tab.errors


def test_on_a_slow_phone_every_widget_of_the_light_front_end_starts(
    start_app, new_tab, tmp_path, monkeypatch
):
    """anywidget gives each of its widgets 2 s from its model's creation to load its module,
    else "[anywidget] Failed to initialize model" and the widget stays empty. On a phone
    with a 4x slower CPU over slow 4G (Lighthouse's phone), the first page still gets ready
    with every one of them started."""
    monkeypatch.setenv(voila_settings.FRONTEND_ENV, "light")
    app = start_app(tmp_path / "home", "--demo")
    tab = new_tab(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    said: list[str] = []
    tab.on("console", lambda message: said.append(message.text))
    slow_phone(tab)
    open_ready(tab, app.app_url())
    assert not [text for text in said if "anywidget" in text.lower() or "[light]" in text], said
    assert "Failed to initialize" not in tab.locator("body").inner_text()
    assert not tab.errors


# Before the page's scripts run: when the light front end has made its manager, its first
# anywidget model is followed by 2.5 s in which the page does nothing else, as a phone's
# page can be while it draws a chart or lays out a long stage.
BUSY_AFTER_FIRST_ANYWIDGET_JS = """
(() => {
  let light;
  Object.defineProperty(window, "wbLight", {
    configurable: true,
    get: () => light,
    set(value) {
      light = value;
      const newModel = value.manager.new_model.bind(value.manager);
      let busied = false;
      value.manager.new_model = async (options, state) => {
        const model = await newModel(options, state);
        if (!busied && options.model_module === "anywidget") {
          busied = true;
          const until = performance.now() + 2500;
          while (performance.now() < until) {}
          window.wbBusied = options.model_id;
        }
        return model;
      };
    },
  });
})();
"""


def test_a_widget_made_while_the_page_is_busy_still_starts(start_app, new_tab, tmp_path, monkeypatch):
    """anywidget's runtime gives each of its models 2 s from its creation to load its module,
    else "[anywidget] Failed to initialize model" and every later message from the kernel to
    that widget is dropped. A page busy for longer than that just after a widget is made (a CI
    run caught one on Decide and grow while axe-core looked at the page) must still start it:
    the light front end gives a model as long as its own watchdog gives the page."""
    monkeypatch.setenv(voila_settings.FRONTEND_ENV, "light")
    app = start_app(tmp_path / "home", "--demo")
    tab = new_tab(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab.add_init_script(BUSY_AFTER_FIRST_ANYWIDGET_JS)
    said: list[str] = []
    tab.on("console", lambda message: said.append(message.text))
    open_ready(tab, app.app_url("grow", "demo-sam"))
    assert tab.evaluate("window.wbBusied"), "no anywidget model was made: the test tested nothing"
    assert not [text for text in said if "anywidget" in text.lower() or "[light]" in text], said
    assert "Failed to initialize" not in tab.locator("body").inner_text()
    assert not tab.errors
