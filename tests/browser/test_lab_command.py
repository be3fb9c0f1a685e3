"""Issue 21, item 14, as a person meets it: `rejection-workbook lab` opens JupyterLab on the
start notebook (not the Launcher), and the start notebook writes to the workbook in use."""

from __future__ import annotations

import os
import sys
import time

import pytest

from workbook.store import Home

from .helpers import READY, READY_TIMEOUT_MS, screenshot

pytestmark = pytest.mark.browser


def test_lab_opens_on_the_start_notebook_of_the_workbook_in_use(page, tmp_path, started):
    home = Home(tmp_path / "home")
    with home.create("After the interview") as wb:
        in_use = wb.path.stem
    with home.create("Made later") as wb:  # e.g. by `start-from`: the current one now...
        home.set_current(wb.path.stem)
    time.sleep(0.05)
    with home.open(in_use) as wb:  # ...while the app goes on writing to the one in use
        wb.put("quality", {"text": "patient"})
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "settings")}  # no workspaces of ours
    lab = started(
        [sys.executable, "-m", "workbook.cli", "lab", "--no-browser", "--home", str(home.path)], env=env
    )
    lab.said(r"Ctrl\+C")
    url, _port, _token = lab.url()
    page.goto(url)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    active = page.locator(".jp-MainAreaWidget:visible").first
    assert "jp-NotebookPanel" in active.get_attribute("class")
    assert page.locator(".jp-Launcher:visible").count() == 0  # not the Launcher
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
    page.locator(".jp-Cell .jp-InputArea-editor").first.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(READY, state="visible", timeout=READY_TIMEOUT_MS)
    page.get_by_text("Writing to the workbook").first.wait_for()
    assert page.locator(".wb-page").get_by_text("After the interview").first.is_visible()
    screenshot(page, "lab-command-start")
