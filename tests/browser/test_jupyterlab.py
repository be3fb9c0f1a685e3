"""The same notebooks work unchanged in JupyterLab."""

from __future__ import annotations

import os
import re
import sys
import urllib.request

import pytest

from workbook.cli import app_environment
from workbook.paths import notebooks_dir
from workbook.store import Home

from ..ports import free_ports
from ..processes import running
from .helpers import READY, READY_TIMEOUT_MS, screenshot

pytestmark = pytest.mark.browser
TOKEN = "lab-test-token"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on the notebooks folder, with a workbook home that already has one workbook."""
    home = Home(tmp_path_factory.mktemp("lab-home"))
    with home.create("In the lab") as wb:
        home.set_current(wb.path.stem)
    (port,) = free_ports(1)
    settings = tmp_path_factory.mktemp("lab-settings")
    env = app_environment(home.path)
    env["JUPYTER_CONFIG_DIR"] = str(settings)  # no personal settings or workspaces
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={notebooks_dir()}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    with running(command, env=env) as lab:  # stopped by its PID afterwards, also on failure
        lab.wait_until(lambda: _answers(f"{base}/api/status?token={TOKEN}"), timeout=60, what="answering")
        yield base, home


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("notebook", ["00_start.ipynb", "01_feel.ipynb"])
def test_notebook_runs_and_shows_its_page_in_jupyterlab(lab, page, notebook):
    base, _home = lab
    workspace = notebook.split(".")[0]  # a workspace of its own: only this notebook is open
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
    page.locator(".jp-Cell .jp-InputArea-editor").first.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(READY, state="visible", timeout=READY_TIMEOUT_MS)
    page.get_by_text("Writing to the workbook").first.wait_for()
    page.get_by_text("In the lab").first.wait_for()
    screenshot(page, f"jupyterlab-{notebook}")


def test_a_link_to_another_stage_opens_that_notebook_in_jupyterlab(lab, page):
    base, _home = lab
    page.goto(f"{base}/lab/workspaces/links/tree/01_feel.ipynb?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
    page.locator(".jp-Cell .jp-InputArea-editor").first.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(READY, state="visible", timeout=READY_TIMEOUT_MS)
    page.locator('.wb-nav a:has-text("Look at the reason")').click()
    # the notebook itself opens (not the app's address, which JupyterLab does not serve)
    page.wait_for_url(re.compile(r"/lab/.*02_reason\.ipynb"), timeout=60_000)
    page.locator(
        '.jp-DirListing-item[title*="02_reason.ipynb"], .lm-TabBar-tab:has-text("02_reason.ipynb")'
    ).first.wait_for(timeout=60_000)
