"""Helpers for browser tests: open a page and wait until ready, screenshots, axe."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
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

# Every chart on screen is drawn (scrolled to each in turn: a chart draws as it comes near,
# and charts may appear after the page does: the page's footer says `app-drawn` once every
# chart it makes after being shown is in it). For tab.wait_for_function.
# The app keeps the pages it built ahead laid out but hidden (visibility and
# content-visibility): only `checkVisibility` with those tells them from the page shown.
CHARTS_DRAWN_JS = """
() => {
  const shown = (el) => el.checkVisibility({ checkVisibilityCSS: true, visibilityProperty: true });
  const pages = [...document.querySelectorAll(".wb-page")].filter(shown);
  if (!pages.length || pages.some((page) => !page.querySelector(".app-drawn"))) return false;
  const waiting = [...document.querySelectorAll(".wb-chart")]
    .filter((chart) => shown(chart) && !chart.querySelector(".js-plotly-plot .main-svg"));
  if (waiting.length) waiting[0].scrollIntoView({ block: "center" });
  return waiting.length === 0;
}
"""
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def eventually(check, *, timeout: float = 30.0, every: float = 0.2, what: str = "the condition"):
    """Poll `check()` until it gives something true (returned); fail after `timeout` seconds.
    In place of a fixed sleep: as short as the machine allows, as long as it needs."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(every)


def settled(tab, expression: str = "document.body.innerText", *, quiet_ms: int = 500, timeout: float = 30.0):
    """Wait until `expression` (by default: all the page's text) stays the same for `quiet_ms`:
    charts, lists and redrawn parts in place, nothing still moving."""
    last, since = None, time.monotonic()

    def still() -> bool:
        nonlocal last, since
        now = tab.evaluate(expression)
        if now != last:
            last, since = now, time.monotonic()
            return False
        return time.monotonic() - since >= quiet_ms / 1000

    eventually(still, timeout=timeout, every=0.1, what=f"{expression} to settle")
    return last


def saved(home, workbook: str, text: str) -> bool:
    """Whether `text` is in an entry of the workbook called `workbook` (read-only, as it is now)."""
    found = home.find(workbook)
    if found is None:
        return False
    with home.open(found.slug, read_only=True) as wb:
        return any(text in json.dumps(entry.data, ensure_ascii=False) for entry in wb.entries())


def cpu_quiet(pid: int, *, quiet: float = 2.0, timeout: float = 90.0) -> None:
    """Wait until process `pid` has used no CPU for `quiet` seconds (e.g. a kernel that has
    run the app and built its page, and now waits)."""

    def ticks() -> int:  # user + system time, in clock ticks (fields 14 and 15 of its stat)
        return sum(int(n) for n in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])

    last, since = None, time.monotonic()

    def idle() -> bool:
        nonlocal last, since
        now = ticks()
        if now != last:
            last, since = now, time.monotonic()
            return False
        return time.monotonic() - since >= quiet

    eventually(idle, timeout=timeout, every=0.25, what=f"process {pid} to go quiet")


def open_ready(tab, url: str):
    """Go to `url` and wait until the page's widgets are drawn (the .app-ready marker)."""
    tab.goto(url)
    return wait_ready(tab)


# What a page that never became ready was doing, for the failure message: the light front
# end's link to its kernel (status, messages received and handled, replies still awaited).
PAGE_STATE_JS = """
() => {
  const light = window.wbLight;
  const kernel = light && light.kernel;
  return {
    url: location.href,
    kernel: document.body && document.body.getAttribute("data-wb-kernel"),
    phase: document.documentElement.getAttribute("data-wb-phase"),
    tries: kernel ? kernel.tries : null,
    counts: kernel ? kernel.counts : null,
    awaiting: kernel ? kernel.futures.size : null,
    comms: kernel ? kernel.comms.size : null,
    pages: document.querySelectorAll(".wb-page").length,
    show: document.documentElement.getAttribute("data-wb-show"),
    router: document.querySelectorAll(".wb-lost").length,
    drawing: light ? light.manager.drawing : null,
    views: light ? light.manager.views.size : null,
    models: light ? Object.keys(light.manager._models).length : null,
    widgets: document.querySelectorAll(".lm-Widget").length,
    anywidgets: document.querySelectorAll(".lm-Widget [class*=anywidget], .lm-Widget.widget-anywidget").length,
    recent: kernel ? kernel.recent : null,
    text: document.body ? document.body.innerText.slice(0, 300) : null,
  };
}
"""


def wait_ready(tab, timeout: float = READY_TIMEOUT_MS):
    """Wait until the page a person sees is drawn. In the app, the pages it keeps hidden
    carry the marker too, and may come first on the page: only a visible one counts."""
    try:
        tab.locator(f"{READY}:visible").first.wait_for(timeout=timeout)
    except Exception as exc:
        raise AssertionError(_never_ready(tab)) from exc
    return tab


def _never_ready(tab) -> str:
    """What a page that never became ready was doing (PAGE_STATE_JS) and its console."""
    return f"the page never became ready: {tab.evaluate(PAGE_STATE_JS)}; its console: {getattr(tab, 'console', [])[-20:]}"


def open_page(app, tab, page: str, slug: str | None):
    """Open a single-stage notebook ("02_reason.ipynb"), or a stage of the app
    ("app.ipynb#reason") and wait until that stage is the one shown."""
    if page.startswith("app.ipynb#"):
        key = page.split("#")[1]
        open_ready(tab, app.app_url(key, slug))
        return wait_for_stage(tab, key)
    return open_ready(tab, app.url(page, slug))


# What a page shows a person: its text, and what is written in its text boxes (JavaScript).
SHOWN_WORDS = (
    """e => [e.innerText, ...[...e.querySelectorAll('textarea, input')].map(x => x.value)].join(' ')"""
)


def here(tab):
    """The page a person sees: the one stage page, or in the app the stage it shows
    (the app keeps the other stages it has built on the page, hidden)."""
    return tab.locator(".wb-page:visible")


def wait_for_stage(tab, key: str, timeout: float = READY_TIMEOUT_MS):
    """In the app: wait until the stage with route `key` is shown and drawn."""
    try:
        tab.wait_for_selector(
            f'html[data-wb-show="{key}"] .wb-stages > .wb-stage-{key} {READY}', timeout=timeout
        )
    except Exception as exc:
        raise AssertionError(f"stage {key}: " + _never_ready(tab)) from exc
    return tab


def go_to_stage(tab, key: str):
    """In the app: click the stages menu's link to stage `key` on the page shown, as a person
    would, and wait until that stage is shown and drawn."""
    here(tab).locator(f'.wb-nav a[href="#{key}"]').click()
    return wait_for_stage(tab, key)


def close_tab(tab) -> None:
    """Close a tab the way a person does (the page's unload handlers run)."""
    if tab.is_closed():
        return
    try:
        tab.close(run_before_unload=True)
        tab.wait_for_event("close", timeout=5_000)
    except Exception:  # a tab already going away
        pass


def kernel_pids(server_pid: int) -> list[int]:
    """The kernel processes under a server we started (by walking /proc from its PID)."""
    found, waiting = [], [server_pid]
    while waiting:
        pid = waiting.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            waiting.append(child)
            try:
                if b"ipykernel" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(child)
            except OSError:
                pass
    return found


# the warm kernels a person's `serve` keeps for the next tab (its --pool_size=1); tests that
# count an app's kernels start it with this many, not conftest.STANDBY's two
PERSONS_STANDBY = 1
KERNEL_START_S = 90.0  # a kernel starting on two busy cores


def kernels_become(app, count: int, what: str) -> set[int]:
    """The kernel processes of a started app, once there are `count` of them."""
    eventually(lambda: len(kernel_pids(app.process.pid)) == count, timeout=KERNEL_START_S, what=what)
    return set(kernel_pids(app.process.pid))


def tab_kernel_pid(tab, server_pid: int) -> int | None:
    """The process of the kernel behind a Voilà tab (its id is in the page's config)."""
    kernel_id = tab.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    for pid in kernel_pids(server_pid):
        if f"kernel-{kernel_id}".encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
    return None


def screenshot(tab, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def failure_screenshot(tab, name: str) -> None:
    """Keep a picture of a page a test failed on (tests/artifacts/FAILED-<name>.png). A page
    that can't be pictured (one still loading never settles) is left out within 10 s, so what
    is reported is the test's own failure, not a second one about the picture."""
    with contextlib.suppress(Exception):
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True, timeout=10_000)


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
    """Stop a server we started in its own session as a supervisor does, SIGTERM to its group,
    then SIGKILL if it is not gone in 15 s. Not Ctrl+C's SIGINT: a run started from a script's
    background job (`... &`) starts every process with SIGINT ignored, so each server waited
    out the 15 s (440 s of a rehearsal's 2,537 s of test time went so)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def slow_phone(tab) -> None:
    """Lighthouse's phone for `tab`: slow 4G (150 ms, 1.6 Mbit/s down, 750 kbit/s up) and a
    CPU 4x slower."""
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 150,
            "downloadThroughput": 1_638_400 / 8,
            "uploadThroughput": 750_000 / 8,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
