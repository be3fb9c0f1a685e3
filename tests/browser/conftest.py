"""The Voilà app served by `rejection-workbook serve`, and headless Debian Chromium.

The server runs once per test session (with pytest-xdist: once per worker, each its own
session) on 127.0.0.1, on a free port, with a temporary workbook home; it is stopped (by
its PID) when the session ends. In CI a missing
browser is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbook.cli import DEMO_DIR
from workbook.store import Home
from workbook.voila_settings import REFILL_ENV, STANDBY_ENV

from ..processes import Started, serve_command
from .helpers import CHROMIUM_ARGS, READY_TIMEOUT_MS, close_tab, failure_screenshot, stop_server

# the practice server's fixtures, for each test module that asks for them (a hub per module)
from .hubkit import hub, people, shared_python  # noqa: F401


@dataclass
class App:
    base: str  # http://127.0.0.1:PORT
    token: str
    home: Home
    process: subprocess.Popen

    def url(self, notebook: str, slug: str | None = None) -> str:
        query = f"?token={self.token}" + (f"&workbook={slug}" if slug else "")
        return f"{self.base}/voila/render/{notebook}{query}"

    def app_url(self, key: str = "", slug: str | None = None, *, client: str | None = None) -> str:
        """The one-page app, on the page whose route is `key` (e.g. "reason")."""
        query = f"?token={self.token}" + (f"&workbook={slug}" if slug else "")
        query += f"&client={client}" if client else ""
        return f"{self.base}/voila/render/app.ipynb{query}" + (f"#{key}" if key else "")

    def new_workbook(self, name: str | None = None) -> str:
        """Create a workbook straight in the app's home; returns its slug."""
        with self.home.create(name or f"Browser {uuid.uuid4().hex[:8]}") as wb:
            return wb.path.stem


# The standby kernel comes back 2 s after a page took it, not 20: these tests open page after
# page, each in a few seconds, and check what the page shows; a page opened within 20 s of the
# last would otherwise start its kernel cold every time. The delay's flag: tests/test_cli.py.
QUICK_REFILL = 2
# Two kernels wait warm, not one: a module opens its next page sooner than one kernel can
# start and run the app, so with one the next page mostly waited for a cold start. Tests that
# count the server's kernels start their app with standby=1, as a person's is.
STANDBY = 2


def _start_app(home: Path, *extra: str, standby: int = STANDBY, refill: int = QUICK_REFILL) -> App:
    env = {**os.environ, REFILL_ENV: str(refill), STANDBY_ENV: str(standby)}
    serve = Started(serve_command(home, *extra), env=env)
    try:
        _url, port, token = serve.url(timeout=90)
    except BaseException:
        serve.stop()
        raise
    # `--demo` keeps the demo in a home of its own, inside the one given
    workbooks = Home(home / DEMO_DIR if "--demo" in extra else home)
    return App(f"http://127.0.0.1:{port}", token, workbooks, serve.process)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """The app, served by our own CLI on a temporary home."""
    running = _start_app(tmp_path_factory.mktemp("app-home"))
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def start_app():
    """Start an extra app with its own options (e.g. --demo); stopped when the test module
    ends: kept to the session, every module's apps (each with its standby kernel) stayed up
    till the end, 18 servers and 19 kernels at once by the middle of a CI run."""
    started: list[App] = []

    def start(home: Path, *extra: str, standby: int = STANDBY, refill: int = QUICK_REFILL) -> App:
        started.append(_start_app(home, *extra, standby=standby, refill=refill))
        return started[-1]

    yield start
    for running in started:
        stop_server(running.process)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(
                "Chromium is not installed; CI must run the browser tests (apt-get install chromium)."
            )
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        chromium.new_context = _patient(chromium.new_context)
        yield chromium
        chromium.close()


def _patient(new_context):
    """`new_context`, whose tabs wait as long for a page to load as for it to be drawn
    (READY_TIMEOUT_MS), not Playwright's 30 s: a page of its own loads only once its kernel,
    started cold, has run the notebook, and with three workers starting servers and kernels
    at once a first page once took longer (a CI rehearsal)."""

    def make(**options):
        context = new_context(**options)
        context.set_default_navigation_timeout(READY_TIMEOUT_MS)
        return context

    return make


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


def keep_errors(tab) -> None:
    """Keep the tab's page errors in `tab.errors`; their stacks go to the test's output, so a
    failure says where in the page's script the error came from."""
    tab.errors = []
    tab.console = []  # its console's errors and warnings, for a failure's message

    def kept(exc) -> None:
        tab.errors.append(str(exc))
        print(f"page error in {tab.url}: {exc.stack or exc}")

    def logged(message) -> None:
        if message.type in ("error", "warning") or "[anywidget]" in message.text or "[light]" in message.text:
            tab.console.append(f"{message.type}: {message.text}"[:300])

    tab.on("pageerror", kept)
    tab.on("console", logged)


@pytest.fixture
def page(browser, request):
    """A fresh browser tab (own cookies); on failure, screenshots of its tabs are kept."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    keep_errors(tab)
    yield tab
    if getattr(request.node, "failed_call", False):
        for n, open_tab in enumerate(context.pages):
            failure_screenshot(open_tab, f"{request.node.name}-{n}")
    for open_tab in context.pages:
        close_tab(open_tab)  # as a person closes a tab: the page's kernel is shut down
    context.close()


@pytest.fixture
def new_tab(browser, request):
    """new_tab(**context_options) -> a fresh tab in a browser context of its own (a viewport,
    a phone's touch, a locale), its page errors kept in `tab.errors`; screenshots of its
    tabs are kept when the test fails, and every context is closed afterwards."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        tab = context.new_page()
        keep_errors(tab)
        return tab

    yield make
    for context in contexts:
        if getattr(request.node, "failed_call", False):
            for n, tab in enumerate(context.pages):
                failure_screenshot(tab, f"{request.node.name}-{n}")
        # as a person closes a tab, so the page's kernel is shut down: a context closed
        # with its tabs open runs no unload handler, and each kernel would wait for the cull
        for tab in context.pages:
            close_tab(tab)
        context.close()
