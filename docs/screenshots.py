"""Retake the README screenshots from the running app with the demo workbook.

    python docs/screenshots.py

Starts `rejection-workbook serve --demo` on a temporary home (127.0.0.1, free port),
photographs a few pages in headless Debian Chromium into docs/images/, and stops it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import _start_app  # noqa: E402
from tests.browser.helpers import CHROMIUM_ARGS, READY, READY_TIMEOUT_MS, stop_server  # noqa: E402

IMAGES = ROOT / "docs" / "images"
SHOTS = {
    # file name: (notebook, selector to photograph or None for the top of the page, height)
    "start-page.png": ("00_start.ipynb", None, 900),
    "stage-1-feel-it.png": ("01_feel.ipynb", None, 900),
    "stage-2-strengths-and-weaknesses.png": ("02_reason.ipynb", ".wb-picture", 900),
    "journey-dashboard.png": ("06_journey.ipynb", None, 1900),
}


def main() -> None:
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="rw-shots-"))
    app = _start_app(home, "--demo")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name, (notebook, selector, height) in SHOTS.items():
                page.set_viewport_size({"width": 1280, "height": height})
                page.goto(app.url(notebook))
                page.wait_for_selector(READY, timeout=READY_TIMEOUT_MS)
                page.wait_for_timeout(2500)  # charts are drawn once the page is on screen
                if selector and page.locator(selector).count():
                    page.locator(selector).first.screenshot(path=str(IMAGES / name))
                else:
                    page.screenshot(path=str(IMAGES / name))
                print("wrote", IMAGES / name)
            browser.close()
    finally:
        stop_server(app.process)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
