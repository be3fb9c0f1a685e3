"""Helpers for browser tests: open a page and wait until ready, screenshots, axe."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

READY = ".app-ready"
# Headless Debian Chromium on a machine with no network: no sandbox (root), no GPU, and
# none of the background fetches that would fail (and slow every start) offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

READY_TIMEOUT_MS = 60_000
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def open_ready(tab, url: str):
    """Go to `url` and wait until the page's widgets are drawn (the .app-ready marker)."""
    tab.goto(url)
    tab.wait_for_selector(READY, timeout=READY_TIMEOUT_MS)
    return tab


def screenshot(tab, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def axe_problems(tab) -> list[str]:
    """Serious or critical accessibility violations found by axe-core on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s): "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:3]
        )
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def stop_server(process: subprocess.Popen) -> None:
    """Stop a server we started in its own session: Ctrl+C first, then kill, by its PID."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
